"""The coverage picture of the officials' dashboards, from the latest coverage run.

Three lenses on one standard (``../shared/docs/domain.md``):

* **normative** – supply against the standard: the ratio supply / requirement (per-capita
  against the standard), or, for a presence standard, whether the service is there;
* **accessibility** – the two-step floating catchment area score (2SFCA), shown per
  10,000 inhabitants;
* **demand** – people waiting. A count of people: it is published as the API and the
  exports publish it (``gaps.publication``: "<5" for 1 to 4, "n.d." for a cell hidden so
  that a small one cannot be recovered from its zone's total), computed over the whole
  run and standard so that every view of a run shows the same figures.

The map is drawn from the boundaries of municipalities and zones (the only place where
boundaries are loaded); no site location is ever read here, so confidential sites (women's
shelters) are never drawn: they are supply inside an area's total.

Everything is computed with a constant number of queries whatever the number of areas; the
loops run over the result rows of a run (a few hundred municipalities and zones).

One module per job: ``choice`` (what is asked), ``places`` (the areas and their results),
``lenses`` (values, classes, legend, map), ``ranking`` (the largest gaps),
``social_workers`` (LEPS) and ``context`` (the page). This package names what pages use.
"""

from dashboards.coverage.choice import (
    LENSES,
    LEVELS,
    BadParameter,
    Choice,
    choice_from,
    latest_run,
    lens_label,
    level_label,
    standards_for,
)
from dashboards.coverage.context import coverage_context
from dashboards.coverage.lenses import legend, map_features
from dashboards.coverage.ranking import gaps_table
from dashboards.coverage.social_workers import social_workers_table, state_contribution

__all__ = [
    "LENSES",
    "LEVELS",
    "BadParameter",
    "Choice",
    "choice_from",
    "coverage_context",
    "gaps_table",
    "latest_run",
    "legend",
    "lens_label",
    "level_label",
    "map_features",
    "social_workers_table",
    "standards_for",
    "state_contribution",
]
