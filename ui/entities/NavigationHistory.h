#pragma once
// Browser-like history of visited entities: visiting after going back drops the forward part.
#include <QObject>
#include <QVector>

namespace momok::ui {

class NavigationHistory : public QObject
{
    Q_OBJECT
public:
    static constexpr int kMaxEntries = 500;

    using QObject::QObject;

    // Adds entity after the current position (no-op when it is the current one).
    void visit(qint64 entity);
    // The entity moved to, or -1 when there is nothing that way.
    qint64 back();
    qint64 forward();
    void clear();

    qint64 current() const { return m_position >= 0 ? m_entries[m_position] : -1; }
    bool canGoBack() const { return m_position > 0; }
    bool canGoForward() const { return m_position + 1 < m_entries.size(); }

Q_SIGNALS:
    void changed();

private:
    QVector<qint64> m_entries;
    int m_position = -1;
};

} // namespace momok::ui
