#pragma once
// qcustomplot.h still spells Qt's `signals` and `foreach` keywords, which this project
// switches off (QT_NO_KEYWORDS); include it through here, never directly.
#include <QtGlobal>
#include <QObject>

#ifndef signals
#define signals Q_SIGNALS
#define MOMOK_QCP_DEFINED_SIGNALS
#endif
#ifndef foreach
#define foreach Q_FOREACH
#define MOMOK_QCP_DEFINED_FOREACH
#endif

#include <qcustomplot.h>

#ifdef MOMOK_QCP_DEFINED_SIGNALS
#undef signals
#undef MOMOK_QCP_DEFINED_SIGNALS
#endif
#ifdef MOMOK_QCP_DEFINED_FOREACH
#undef foreach
#undef MOMOK_QCP_DEFINED_FOREACH
#endif
