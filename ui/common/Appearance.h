#pragma once
// The app's appearance: follow the system's palette, or a light or dark one (Fusion
// style), chosen in View → Appearance and remembered. Plots follow the palette too: their
// backgrounds, axes, labels, legends and any neutral (black or white) line or text take
// the palette's colours before every replot, so a plot rebuilt later stays legible.
#include <QColor>
#include <QString>

class QPalette;

class QCustomPlot;

namespace momok::ui {

enum class Appearance { System, Light, Dark };

QString appearanceKey(Appearance appearance); // "system", "light", "dark"
Appearance appearanceFromKey(const QString &key);

// The saved choice (System when none).
Appearance savedAppearance();
// Applies the palette and style to the whole application and saves the choice.
void applyAppearance(Appearance appearance, bool save = true);
// Makes every QCustomPlot of the application follow the palette (call once at start).
void installPlotTheming();
// What installPlotTheming() does to one plot before each replot.
void themePlot(QCustomPlot *plot);
// A neutral colour (black, white, the greys near them) becomes the palette's text colour,
// keeping its alpha; any other colour is returned as it is. Plots and score bars use it so
// that "near black" stays visible on a dark background.
QColor legibleColor(const QColor &color, const QPalette &palette);
// An item whose colour is chosen for its own background (a heatmap cell's label) keeps it.
inline constexpr char kFixedColorProperty[] = "momokFixedColor";

} // namespace momok::ui
