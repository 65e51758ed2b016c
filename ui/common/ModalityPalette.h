#pragma once
// One fixed colour per decoder everywhere (bars, curves, heatmap columns), from the
// Okabe–Ito palette so that the four stay distinguishable for colour-blind users.
#include "eval/EvaluationReport.h"

#include <QColor>

namespace momok::ui {

inline QColor decoderColor(Decoder decoder)
{
    switch (decoder) {
    case Decoder::Structure: return QColor(0x00, 0x72, 0xB2); // blue
    case Decoder::Image: return QColor(0xE6, 0x9F, 0x00);     // orange
    case Decoder::Text: return QColor(0x00, 0x9E, 0x73);      // bluish green
    case Decoder::Joint: return QColor(0xCC, 0x79, 0xA7);     // reddish purple
    case Decoder::Combined: return QColor(0x33, 0x33, 0x33);  // near black
    }
    return Qt::gray;
}

// Modality index 0..2 (S, I, T) as used by gate statistics.
inline QColor modalityColor(int modality) { return decoderColor(Decoder(modality)); }

} // namespace momok::ui
