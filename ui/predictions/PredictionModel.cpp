#include "predictions/PredictionModel.h"

#include "common/EntityImages.h"
#include "common/ModalityPalette.h"
#include "domain/Vocabulary.h"

#include <cmath>

namespace momok::ui {

namespace {
constexpr QSize kThumbnailBox{32, 24};

// trainLabel: what a known training answer is called ("train", or "given" for a new entity).
QString knownSplits(const PredictionRow &row, const QString &trainLabel = splitName(Split::Train))
{
    QStringList splits;
    if (row.knownTrain)
        splits << trainLabel;
    if (row.knownValid)
        splits << splitName(Split::Valid);
    if (row.knownTest)
        splits << splitName(Split::Test);
    return splits.join(QStringLiteral(", "));
}
} // namespace

int PredictionModel::decoderOfColumn(int column)
{
    // The decoder columns follow the scoring decoders' order: S, I, T, joint.
    static_assert(JointColumn - StructureColumn + 1 == kScoringDecoderCount);
    return column >= StructureColumn && column <= JointColumn ? int(kScoringDecoders[size_t(column - StructureColumn)]) : -1;
}

void PredictionModel::setDataset(std::shared_ptr<const KgDataset> dataset)
{
    beginResetModel();
    m_dataset = std::move(dataset);
    m_answer = {};
    endResetModel();
}

void PredictionModel::setAnswer(const PredictionAnswer &answer)
{
    beginResetModel();
    m_answer = answer;
    endResetModel();
}

void PredictionModel::clear()
{
    setAnswer({});
}

QString PredictionModel::entityName(int64_t id) const
{
    if (!m_dataset || id < 0 || id >= m_dataset->entityCount())
        return QString::number(id);
    const EntityInfo &info = m_dataset->entities[int(id)];
    return info.displayName.isEmpty() ? info.name : info.displayName;
}

int PredictionModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_answer.rows.size());
}

int PredictionModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PredictionModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_answer.rows.size())
        return {};
    const PredictionEntry &entry = m_answer.rows[index.row()];
    const PredictionRow &row = entry.row;
    const QString relation = m_dataset ? m_dataset->relationNames.value(int(entry.relation)) : QString::number(entry.relation);
    switch (role) {
    case EntityIdRole: return qint64(row.entity);
    case RelationIdRole: return entry.relation;
    case KnownRole: return knownSplits(row);
    case KnownTrainRole: return row.knownTrain;
    case KnownValidRole: return row.knownValid;
    case KnownTestRole: return row.knownTest;
    default: break;
    }
    const int decoder = decoderOfColumn(index.column());
    if (decoder >= 0) {
        const double score = row.decoderScore[size_t(decoder)];
        const double rank = row.decoderRank[size_t(decoder)];
        switch (role) {
        case Qt::DisplayRole:
            return std::isnan(score) ? QStringLiteral("—") : QStringLiteral("#%1").arg(std::llround(rank));
        case ScoreRole: return score;
        case DecoderRankRole: return rank;
        case BarColorRole: return decoderColor(Decoder(decoder));
        case Qt::ToolTipRole:
        case Qt::AccessibleTextRole:
            return std::isnan(score) ? tr("%1 decoder not used by this run").arg(decoderLabel(Decoder(decoder)))
                                     : tr("%1 decoder: score %2, ranks this candidate #%3")
                                           .arg(decoderLabel(Decoder(decoder)))
                                           .arg(score, 0, 'f', 3)
                                           .arg(std::llround(rank));
        default: return {};
        }
    }
    switch (index.column()) {
    case RankColumn:
        if (role == Qt::DisplayRole)
            return row.rank;
        if (role == Qt::TextAlignmentRole)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case CandidateColumn:
        if (role == Qt::DisplayRole)
            return entityName(row.entity);
        if (role == Qt::DecorationRole && m_dataset && row.entity < m_dataset->entityCount())
            return entityThumbnailOrBlank(m_dataset->entities[int(row.entity)].imagePaths, kThumbnailBox);
        if (role == Qt::ToolTipRole)
            return tr("Double-click to open %1").arg(entityName(row.entity));
        break;
    case RelationColumn:
        if (role == Qt::DisplayRole)
            return relation;
        break;
    case ScoreColumn:
        if (role == Qt::DisplayRole)
            return QString::number(row.score, 'f', 3);
        if (role == ScoreRole)
            return row.score;
        if (role == BarColorRole)
            return decoderColor(Decoder::Combined);
        if (role == Qt::ToolTipRole)
            return tr("Joint decision: the mean of the active decoders' sigmoid scores");
        if (role == Qt::AccessibleTextRole)
            return tr("joint score %1").arg(row.score, 0, 'f', 3);
        break;
    case KnownColumn:
        if (role == Qt::DisplayRole)
            return row.known() ? QStringLiteral("✓ ") + knownSplits(row, knownTrainLabel()) : QString();
        if (role == Qt::AccessibleTextRole)
            return row.known() ? tr("known, %1").arg(knownSplits(row, knownTrainLabel())) : tr("new");
        if (role == Qt::ToolTipRole)
            return row.known() ? tr("Already a known triple (%1)").arg(knownSplits(row, knownTrainLabel()))
                               : tr("Not in the dataset: a new prediction");
        if (role == Qt::ForegroundRole && row.known() && !row.knownTrain)
            return QColor(0xD5, 0x5E, 0x00); // held-out answers found again stand out
        break;
    default: break;
    }
    return {};
}

QVariant PredictionModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case RankColumn: return tr("#");
        case CandidateColumn: return tr("Candidate");
        case RelationColumn: return tr("Relation");
        case ScoreColumn: return tr("Score");
        case StructureColumn:
        case ImageColumn:
        case TextColumn: return decoderKey(Decoder(decoderOfColumn(section))); // "S", "I", "T"
        case JointColumn: return decoderLabel(Decoder::Joint);                // "Joint"
        case KnownColumn: return tr("Known");
        default: return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        const int decoder = decoderOfColumn(section);
        if (decoder >= 0)
            return tr("%1 decoder: bar = its score, #n = its own rank of the candidate").arg(decoderLabel(Decoder(decoder)));
        if (section == ScoreColumn)
            return tr("The joint decision: the mean of the active decoders' sigmoid scores; rows are ranked by it");
        if (section == KnownColumn)
            return tr("Whether the triple is already in the train, valid or test split");
    }
    if (role == Qt::ForegroundRole) {
        const int decoder = decoderOfColumn(section);
        if (decoder >= 0)
            return decoderColor(Decoder(decoder));
    }
    return {};
}

QHash<int, QByteArray> PredictionModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names[EntityIdRole] = "entityId";
    names[RelationIdRole] = "relationId";
    names[ScoreRole] = "score";
    names[DecoderRankRole] = "decoderRank";
    names[BarColorRole] = "barColor";
    names[KnownRole] = "known";
    return names;
}

} // namespace momok::ui
