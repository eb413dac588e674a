//! What EXPLAIN shows for a scan: the requests a [`Plan`] makes and what it
//! pushed down, as `Label: text` lines (the `clerk:wrappers-ext` `explain`
//! export, see `wit/ext/README.md`).
//!
//! Pure: the lines come from the plan alone, so EXPLAIN needs no API key
//! and makes no request. They never hold a secret: the key only travels in
//! the `authorization` header, which is not shown.

use crate::catalog::Shape;
use crate::cell::Cell;
use crate::pager::Pager;
use crate::plan::{Fetch, Plan, Qual, QualValue, ScanInput};
use crate::url::ApiUrl;

/// The label of each request line.
pub const REQUEST_LABEL: &str = "Clerk Request";
/// The label of the pushdown summary line.
pub const PUSHDOWN_LABEL: &str = "Clerk Pushdown";
/// Requests listed one by one; a larger fan-out ends with "... and N more".
pub const SHOWN_REQUESTS: usize = 5;
/// Values of an `IN (...)` list shown in the pushdown line.
const SHOWN_VALUES: usize = 5;

/// The EXPLAIN lines of a scan planned from `input`: one line per request
/// (path and query relative to `base`; a paged list with its first page's
/// `limit` and `offset`), at most [`SHOWN_REQUESTS`] of them, then a line
/// saying which quals Clerk answers exactly and which Postgres checks (not
/// sent, or sent as a superset filter visible in the query string), and
/// whether ORDER BY and LIMIT were sent.
pub fn describe(input: &ScanInput, plan: &Plan, base: &ApiUrl) -> Vec<String> {
    let mut lines = Vec::new();
    let fetches = plan.fetches();
    if fetches.is_empty() {
        lines.push(format!("{REQUEST_LABEL}: none (the conditions match no row)"));
    }
    for fetch in fetches.iter().take(SHOWN_REQUESTS) {
        lines.push(format!("{REQUEST_LABEL}: {}", request(fetch, base, plan.max_rows)));
    }
    if fetches.len() > SHOWN_REQUESTS {
        lines.push(format!("{REQUEST_LABEL}: ... and {} more", fetches.len() - SHOWN_REQUESTS));
    }
    if let Some(pushdown) = pushdown(input, plan) {
        lines.push(format!("{PUSHDOWN_LABEL}: {pushdown}"));
    }
    lines
}

/// `GET <path>?<query>` of the first request of `fetch`, relative to `base`.
fn request(fetch: &Fetch, base: &ApiUrl, max_rows: Option<u64>) -> String {
    let url = match fetch.shape {
        Shape::One => Some(base.url(&fetch.path, &fetch.query)),
        Shape::Paged { .. } | Shape::Unpaged { .. } => {
            Pager::for_fetch(base, fetch, max_rows).and_then(|p| p.peek()).map(|r| r.url)
        }
    };
    match url {
        Some(url) => {
            let relative = url.strip_prefix(base.as_str()).unwrap_or(&url);
            format!("GET {relative}")
        }
        None => format!("none (LIMIT 0 on {})", fetch.path),
    }
}

/// The pushdown summary, or `None` when the scan has no qual, no ORDER BY
/// and no LIMIT to speak of.
fn pushdown(input: &ScanInput, plan: &Plan) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let (exact, left): (Vec<_>, Vec<_>) = input
        .quals
        .iter()
        .enumerate()
        .partition(|(i, _)| plan.handled.get(*i).copied().unwrap_or(false));
    let list = |quals: Vec<(usize, &Qual)>| {
        quals.into_iter().map(|(_, q)| render_qual(q)).collect::<Vec<_>>().join(", ")
    };
    if !exact.is_empty() {
        parts.push(format!("exact: {}", list(exact)));
    }
    if !left.is_empty() {
        parts.push(format!("checked by Postgres: {}", list(left)));
    }
    if !input.sorts.is_empty() {
        parts.push(match (&plan.order_by, plan.sorts_pushed) {
            (Some(o), true) => format!("order by: sent (order_by={o})"),
            (Some(o), false) => format!("order by: sent (order_by={o}), completed by Postgres"),
            (None, true) => "order by: not needed".to_string(),
            (None, false) => "order by: left to Postgres".to_string(),
        });
    }
    if input.limit.is_some() {
        parts.push(match plan.max_rows {
            Some(n) => format!("limit: sent (at most {n} rows)"),
            None => "limit: left to Postgres".to_string(),
        });
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// A qual as SQL-ish text: `role = 'org:admin'`, `id in ('a', 'b')`.
pub fn render_qual(q: &Qual) -> String {
    let op = match q.operator.as_str() {
        "~~" => "like",
        "!~~" => "not like",
        "~~*" => "ilike",
        "!~~*" => "not ilike",
        other => other,
    };
    match &q.value {
        QualValue::Cell(Cell::String(s)) if matches!(op, "is" | "is not") && s == "null" => {
            format!("{} {op} null", q.field)
        }
        QualValue::Cell(c) => format!("{} {op} {}", q.field, literal(c)),
        QualValue::Array(cells) => {
            let mut shown: Vec<String> = cells.iter().take(SHOWN_VALUES).map(literal).collect();
            if cells.len() > SHOWN_VALUES {
                shown.push(format!("... {} values in all", cells.len()));
            }
            let shown = shown.join(", ");
            match (op, q.use_or) {
                ("=", true) => format!("{} in ({shown})", q.field),
                ("<>", false) => format!("{} not in ({shown})", q.field),
                (op, true) => format!("{} {op} any ({shown})", q.field),
                (op, false) => format!("{} {op} all ({shown})", q.field),
            }
        }
    }
}

/// A cell as a SQL literal.
fn literal(c: &Cell) -> String {
    let quoted = |s: &str| format!("'{}'", s.replace('\'', "''"));
    match c {
        Cell::Bool(v) => v.to_string(),
        Cell::I8(v) => v.to_string(),
        Cell::I16(v) => v.to_string(),
        Cell::F32(v) => v.to_string(),
        Cell::I32(v) => v.to_string(),
        Cell::F64(v) | Cell::Numeric(v) => v.to_string(),
        Cell::I64(v) => v.to_string(),
        Cell::String(s) | Cell::Json(s) | Cell::Uuid(s) => quoted(s),
        Cell::Date(secs) => quoted(&date(secs.div_euclid(86_400))),
        Cell::Timestamp(us) => quoted(&timestamp(*us)),
        Cell::Timestamptz(us) => quoted(&format!("{}+00", timestamp(*us))),
    }
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]` of microseconds since the epoch (UTC).
fn timestamp(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let frac = us.rem_euclid(1_000_000);
    let day = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let mut s = format!("{} {:02}:{:02}:{:02}", date(day), tod / 3600, tod / 60 % 60, tod % 60);
    if frac != 0 {
        let digits = format!("{frac:06}");
        s.push('.');
        s.push_str(digits.trim_end_matches('0'));
    }
    s
}

/// `YYYY-MM-DD` of a day number since 1970-01-01 (proleptic Gregorian).
fn date(days: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::SqlType;
    use crate::plan::{plan_scan, Limit, Sort, TargetColumn};

    fn base() -> ApiUrl {
        ApiUrl::parse(Some("https://api.clerk.com/v1")).unwrap()
    }

    fn input(object: &str, quals: Vec<Qual>, sorts: Vec<Sort>, limit: Option<Limit>) -> ScanInput {
        ScanInput {
            object: object.into(),
            columns: vec![TargetColumn::new("id", SqlType::Text)],
            quals,
            sorts,
            limit,
            push_params: false,
        }
    }

    fn s(v: &str) -> Cell {
        Cell::String(v.into())
    }

    fn lines(input: &ScanInput) -> Vec<String> {
        let plan = plan_scan(input).unwrap();
        describe(input, &plan, &base())
    }

    #[test]
    fn a_user_by_id_is_one_get() {
        let i = input("users", vec![Qual::cell("id", "=", s("user_2x"))], vec![], None);
        assert_eq!(
            lines(&i),
            ["Clerk Request: GET /users/user_2x", "Clerk Pushdown: exact: id = 'user_2x'"]
        );
    }

    #[test]
    fn a_plain_scan_shows_the_first_page_and_no_pushdown() {
        assert_eq!(
            lines(&input("users", vec![], vec![], None)),
            ["Clerk Request: GET /users?limit=500&offset=0"]
        );
    }

    #[test]
    fn memberships_of_an_organization_with_a_role() {
        let i = input(
            "organization_memberships",
            vec![Qual::cell("organization_id", "=", s("org_x")), Qual::cell("role", "=", s("org:admin"))],
            vec![],
            None,
        );
        let l = lines(&i);
        assert_eq!(l.len(), 2, "{l:?}");
        assert!(l[0].starts_with("Clerk Request: GET /organizations/org_x/memberships?"), "{l:?}");
        assert!(l[0].contains("role=org%3Aadmin"), "{l:?}");
        assert!(l[0].ends_with("limit=500&offset=0"), "{l:?}");
        assert_eq!(l[1], "Clerk Pushdown: exact: organization_id = 'org_x', role = 'org:admin'");
    }

    #[test]
    fn order_and_limit_pushed_show_the_first_page_size() {
        let i = input(
            "users",
            vec![],
            vec![Sort { field: "created_at".into(), reversed: true, nulls_first: true }],
            Some(Limit { count: 10, offset: 5 }),
        );
        assert_eq!(
            lines(&i),
            [
                "Clerk Request: GET /users?order_by=-created_at&limit=15&offset=0",
                "Clerk Pushdown: order by: sent (order_by=-created_at); limit: sent (at most 15 rows)",
            ]
        );
    }

    #[test]
    fn an_unpushed_qual_is_left_to_postgres_and_so_is_the_limit() {
        let i = input(
            "users",
            vec![Qual::cell("image_url", "~~", s("a%"))],
            vec![],
            Some(Limit { count: 3, offset: 0 }),
        );
        assert_eq!(
            lines(&i),
            [
                "Clerk Request: GET /users?limit=500&offset=0",
                "Clerk Pushdown: checked by Postgres: image_url like 'a%'; limit: left to Postgres",
            ]
        );
    }

    #[test]
    fn a_superset_filter_is_in_the_query_and_checked_by_postgres() {
        let i = input("users", vec![Qual::cell("username", "~~", s("%ann%"))], vec![], None);
        let l = lines(&i);
        assert_eq!(l.len(), 2, "{l:?}");
        assert!(l[0].starts_with("Clerk Request: GET /users?") && l[0].contains("=ann"), "{l:?}");
        assert_eq!(l[1], "Clerk Pushdown: checked by Postgres: username like '%ann%'");
    }

    #[test]
    fn a_large_fan_out_lists_the_first_requests() {
        let ids: Vec<Cell> = (0..8).map(|n| s(&format!("org_{n}"))).collect();
        let i = input("organization_memberships", vec![Qual::any("organization_id", ids)], vec![], None);
        let l = lines(&i);
        assert_eq!(l.len(), SHOWN_REQUESTS + 2, "{l:?}");
        for (n, line) in l.iter().take(SHOWN_REQUESTS).enumerate() {
            assert!(line.starts_with(&format!("Clerk Request: GET /organizations/org_{n}/memberships?")), "{line}");
        }
        assert_eq!(l[SHOWN_REQUESTS], "Clerk Request: ... and 3 more");
        assert_eq!(
            l[SHOWN_REQUESTS + 1],
            "Clerk Pushdown: exact: organization_id in ('org_0', 'org_1', 'org_2', 'org_3', 'org_4', ... 8 values in all)"
        );
    }

    #[test]
    fn an_empty_in_list_makes_no_request() {
        let i = input("users", vec![Qual::any("id", vec![])], vec![], None);
        assert_eq!(
            lines(&i),
            ["Clerk Request: none (the conditions match no row)", "Clerk Pushdown: exact: id in ()"]
        );
    }

    #[test]
    fn limit_zero_makes_no_request() {
        let i = input("users", vec![], vec![], Some(Limit { count: 0, offset: 0 }));
        assert_eq!(
            lines(&i),
            ["Clerk Request: none (LIMIT 0 on /users)", "Clerk Pushdown: limit: sent (at most 0 rows)"]
        );
    }

    #[test]
    fn the_base_path_is_not_repeated_and_no_line_has_a_scheme() {
        let base = ApiUrl::parse(Some("http://127.0.0.1:9/v1")).unwrap();
        let i = input("users", vec![], vec![], None);
        let plan = plan_scan(&i).unwrap();
        let l = describe(&i, &plan, &base);
        assert_eq!(l, ["Clerk Request: GET /users?limit=500&offset=0"]);
    }

    #[test]
    fn literals_render_like_sql() {
        let q = |op: &str, c: Cell| render_qual(&Qual::cell("c", op, c));
        assert_eq!(q("=", s("it's")), "c = 'it''s'");
        assert_eq!(q("is", s("null")), "c is null");
        assert_eq!(q("=", Cell::Bool(true)), "c = true");
        assert_eq!(q(">", Cell::I64(-3)), "c > -3");
        assert_eq!(q(">", Cell::Timestamptz(1_700_000_000_123_000)), "c > '2023-11-14 22:13:20.123+00'");
        assert_eq!(q("<", Cell::Timestamp(0)), "c < '1970-01-01 00:00:00'");
        assert_eq!(q("=", Cell::Date(951_782_400)), "c = '2000-02-29'");
        assert_eq!(q("=", Cell::Date(-86_400)), "c = '1969-12-31'");
        let not_in = Qual {
            field: "c".into(),
            operator: "<>".into(),
            value: QualValue::Array(vec![s("a"), s("b")]),
            use_or: false,
            is_param: false,
        };
        assert_eq!(render_qual(&not_in), "c not in ('a', 'b')");
    }
}
