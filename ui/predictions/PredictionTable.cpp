#include "predictions/PredictionTable.h"

#include "predictions/PredictionModel.h"
#include "predictions/ScoreBarDelegate.h"

#include <QHeaderView>
#include <QTableView>

namespace momok::ui {

QTableView *makePredictionTable(PredictionModel *model, QWidget *parent)
{
    auto *table = new QTableView(parent);
    table->setTabKeyNavigation(false); // Tab leaves the table; arrows move inside
    table->setModel(model);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->verticalHeader()->hide();
    table->setShowGrid(false);
    table->setAlternatingRowColors(true);
    table->setIconSize(QSize(32, 24));
    table->verticalHeader()->setDefaultSectionSize(28);
    auto *bars = new ScoreBarDelegate(PredictionModel::ScoreRole, PredictionModel::BarColorRole, table);
    for (int c = PredictionModel::ScoreColumn; c <= PredictionModel::JointColumn; ++c)
        table->setItemDelegateForColumn(c, bars);
    QHeaderView *header = table->horizontalHeader();
    // The candidate keeps a readable width (a narrow table scrolls); the Known column takes
    // what is left over.
    header->resizeSection(PredictionModel::CandidateColumn, 150);
    header->setStretchLastSection(true);
    header->resizeSection(PredictionModel::RankColumn, 30);
    header->resizeSection(PredictionModel::RelationColumn, 130);
    for (int c = PredictionModel::ScoreColumn; c <= PredictionModel::JointColumn; ++c)
        header->resizeSection(c, c == PredictionModel::ScoreColumn ? 84 : 70);
    return table;
}

} // namespace momok::ui
