import json

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    """A paginator that does not count 100,000 rows on every page view.

    Django admin needs a row count for the page links. An exact `COUNT(*)` on
    PostgreSQL reads every matching row (MVCC gives no stored count), which on a big
    table costs more than rendering the page. So on PostgreSQL:

    - the rows are first counted up to `counted_first` (`COUNT(*)` over a `LIMIT`, a
      millisecond at most): the usual filtered list (one program's applications) is
      smaller and is counted exactly in that one query;
    - past it, the planner is asked (`EXPLAIN`, no rows read) how many rows the query
      returns; when it expects `exact_below` or more, its estimate is the count: the page
      links are then approximate, which a clerk paging through thousands of rows does
      not notice, and a page past the real end is simply empty;
    - in between, the rows are counted exactly.

    Other databases (SQLite in development) always count exactly. Used with
    `show_full_result_count = False`, which drops the admin's second count of the
    unfiltered table ("50 of 100000").
    """

    counted_first = 250
    exact_below = 10_000

    @cached_property
    def count(self):
        queryset = self.object_list
        if getattr(queryset, "query", None) is not None:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                bounded = queryset.order_by()[: self.counted_first].count()
                if bounded < self.counted_first:
                    return bounded
                estimate = self._planner_rows(queryset, connection)
                if estimate >= self.exact_below:
                    # Never below the rows already counted: the planner's statistics can
                    # lag behind the table (a test's fresh rows read as one).
                    return max(estimate, bounded)
        return super().count

    @staticmethod
    def _planner_rows(queryset, connection):
        sql, params = queryset.order_by().query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])
