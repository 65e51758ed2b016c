#include "entities/NavigationHistory.h"

namespace momok::ui {

void NavigationHistory::visit(qint64 entity)
{
    if (current() == entity)
        return;
    m_entries.resize(m_position + 1);
    m_entries << entity;
    if (m_entries.size() > kMaxEntries)
        m_entries.removeFirst();
    m_position = int(m_entries.size()) - 1;
    Q_EMIT changed();
}

qint64 NavigationHistory::back()
{
    if (!canGoBack())
        return -1;
    --m_position;
    Q_EMIT changed();
    return current();
}

qint64 NavigationHistory::forward()
{
    if (!canGoForward())
        return -1;
    ++m_position;
    Q_EMIT changed();
    return current();
}

void NavigationHistory::clear()
{
    m_entries.clear();
    m_position = -1;
    Q_EMIT changed();
}

} // namespace momok::ui
