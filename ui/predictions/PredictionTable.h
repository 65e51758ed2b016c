#pragma once
// The table that shows ranked candidates (PredictionModel): whole-row selection, thumbnail
// rows, the joint decision and each decoder's score as bars, the candidate column at a
// readable width and the Known column taking what is left.
// One look for a known entity's predictions and a new entity's.

class QTableView;
class QWidget;

namespace momok::ui {

class PredictionModel;

QTableView *makePredictionTable(PredictionModel *model, QWidget *parent);

} // namespace momok::ui
