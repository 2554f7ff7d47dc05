"""Time words, one module for all of Memloci: dates in messages (resolved against when they
were written), time words in search queries (a window to filter on), moments typed on the
command line, and dates in form values.

    vocab     the words: months, weekdays, numbers, seasons, holidays, cues (per language)
    grammar   patterns built from the words, each giving a node ("14 February" -> Day)
    scan      the longest matches, joined ("the day after" + "14 February") and read in
              their clause (a birthday is yearly, "see you on Saturday" is ahead)
    nodes     what a node means on the calendar, against a reference moment -> Span
    mentions  find_dates for messages; query: parse_query for search; moments: the CLI, forms
"""

from app.timewords.mentions import DateMention, find_dates
from app.timewords.moments import local_now, parse_bound, parse_date, parse_moment
from app.timewords.nodes import Recurrence, Span
from app.timewords.query import ParsedQuery, Relation, TimeWindow, parse_query
from app.timewords.scan import Found, scan

__all__ = [
    "DateMention",
    "Found",
    "ParsedQuery",
    "Recurrence",
    "Relation",
    "Span",
    "TimeWindow",
    "find_dates",
    "local_now",
    "parse_bound",
    "parse_date",
    "parse_moment",
    "parse_query",
    "scan",
]
