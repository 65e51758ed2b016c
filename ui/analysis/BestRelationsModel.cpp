#include "analysis/BestRelationsModel.h"

#include "common/ModalityPalette.h"
#include "domain/Plural.h"

#include <QBrush>

#include <cmath>

namespace momok::ui {

BestRelationsModel::BestRelationsModel(QObject *parent) : QAbstractTableModel(parent) {}

void BestRelationsModel::setReport(const EvaluationReport &report, int top, ModalityStrengths::Order order)
{
    beginResetModel();
    m_rows.clear();
    m_order = order;
    for (int d = 0; d < kDecoderCount; ++d)
        if (ModalityStrengths::active(report, Decoder(d)))
            m_rows.append({Decoder(d), ModalityStrengths::best(report, Decoder(d), top, order)});
    endResetModel();
}

void BestRelationsModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

int BestRelationsModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }
int BestRelationsModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : 2; }

QVariant BestRelationsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const auto &[decoder, list] = m_rows[index.row()];
    switch (role) {
    case DecoderRole:
        return int(decoder);
    case RelationsRole: {
        QStringList names;
        for (const RelationStrength &s : list)
            names << s.name;
        return names;
    }
    case MrrsRole: {
        QVariantList mrrs;
        for (const RelationStrength &s : list)
            mrrs << s.mrr;
        return mrrs;
    }
    case Qt::DisplayRole:
        if (index.column() == 0)
            return decoder == Decoder::Combined ? tr("Full model") : decoderLabel(decoder);
        {
            QStringList parts;
            for (const RelationStrength &s : list) {
                if (m_order == ModalityStrengths::Order::ByLead && decoder != Decoder::Combined)
                    parts << QStringLiteral("%1 (%2, %3%4)").arg(s.name, QString::number(s.mrr, 'f', 1),
                                                                 s.lead >= 0 ? QStringLiteral("+") : QString(),
                                                                 QString::number(s.lead, 'f', 1));
                else
                    parts << QStringLiteral("%1 (%2)").arg(s.name, QString::number(s.mrr, 'f', 1));
            }
            return parts.isEmpty() ? tr("– (no queries)") : parts.join(QStringLiteral(", "));
        }
    case Qt::ForegroundRole:
        return index.column() == 0 ? QVariant(QBrush(decoderColor(decoder).darker(115))) : QVariant();
    case Qt::ToolTipRole:
        if (index.column() == 1) {
            QStringList lines;
            for (const RelationStrength &s : list)
                lines << tr("%1: MRR %2 %, %3 than the best other decoder, %4")
                             .arg(s.name, QString::number(s.mrr, 'f', 1),
                                  (s.lead >= 0 ? tr("%1 points better") : tr("%1 points worse")).arg(std::abs(s.lead), 0, 'f', 1))
                             .arg(counted(s.queries, tr("quer(y|ies)")));
            return lines.join(QLatin1Char('\n'));
        }
        return {};
    default:
        return {};
    }
}

QVariant BestRelationsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    return section == 0 ? tr("Modality")
                        : (m_order == ModalityStrengths::Order::ByMrr ? tr("Best predicted relations (MRR, %)")
                                                                      : tr("Out-performing predictions (MRR, lead over the best other decoder)"));
}

} // namespace momok::ui
