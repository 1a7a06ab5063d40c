/*
 * focus.c — the order of a --focus crawl: which links to fetch first so that
 * a crawl cut short by --max-pages or time has captured the exposing pages.
 *
 * A link's priority comes from what is known before it is fetched:
 *   +4  it was found on a page judged doxing (threads link to threads);
 *   +2  its anchor text, title or alt carries a strong dox keyword (开盒,
 *       人肉, 扒皮), +1 only a weak one (曝光, 户籍): forum listings name the
 *       threads they link to;
 *   +1  the page it was found on has findings (dox keywords, identifiers)
 *       without a doxing verdict;
 * and, when larger, half the source page's own priority instead: a trail that
 * led somewhere keeps some weight for a few hops without evidence of its own.
 * Style sheets and scripts (<link>, <script>) always get 0: they hold no
 * one's data, and fetching them early would spend --max-pages on them.
 * Images and frames are scored like pages (a screenshot of an ID card is
 * the exposure).
 * Inherited weight never adds to a link's own score, so it cannot pile up
 * along a chain of pages: a priority is at most the largest score (6,
 * CRAWL_FOCUS_MAX), and k hops without new evidence leave parent/2^k.
 * Priorities are small integers; the frontier breaks ties breadth-first, so
 * without --focus (everything 0) the crawl is plain breadth-first.
 *
 * Must never depend on anything but its arguments (it runs per link on the
 * main thread) or return a value outside 0..CRAWL_FOCUS_MAX.
 */
#include <strings.h>

#include "crawl_int.h"

enum {
	FOCUS_SRC_DOXING = 4,
	FOCUS_ANCHOR_STRONG = 2,
	FOCUS_ANCHOR_WEAK = 1,
	FOCUS_SRC_SIGNAL = 1,
};

int crawl_focus_anchor(const char *tag, double text_signal)
{
	if (tag && (!strcasecmp(tag, "link") || !strcasecmp(tag, "script")))
		return CRAWL_FOCUS_CODE;
	return text_signal >= 1.0 ? 2 : text_signal > 0.0 ? 1 : 0;
}

int crawl_focus_priority(int parent, int src_doxing, int src_signal, int anchor)
{
	int p = 0;
	if (anchor < 0)
		return 0;
	if (src_doxing)
		p += FOCUS_SRC_DOXING;
	else if (src_signal)
		p += FOCUS_SRC_SIGNAL;
	if (anchor >= 2)
		p += FOCUS_ANCHOR_STRONG;
	else if (anchor == 1)
		p += FOCUS_ANCHOR_WEAK;
	int inherited = (parent > CRAWL_FOCUS_MAX ? CRAWL_FOCUS_MAX : parent) / 2;
	if (inherited > p)
		p = inherited;
	return p > CRAWL_FOCUS_MAX ? CRAWL_FOCUS_MAX : p;
}
