use super::*;
use crate::plan::Fetch;

fn base() -> ApiUrl {
    ApiUrl::parse(Some("https://api.clerk.com/v1/")).unwrap()
}

fn pager(page_max: u32, max_rows: Option<u64>) -> Pager {
    Pager::new(
        base(),
        "/users",
        vec![("user_id".into(), "a b".into())],
        page_max,
        max_rows,
    )
}

/// Serves `n` rows; returns the offsets of every row kept, and the number
/// of requests made.
fn walk(mut p: Pager, n: u64, with_total: bool) -> (Vec<u64>, usize) {
    let mut seen = Vec::new();
    let mut requests = 0;
    while let Some(req) = p.issue() {
        requests += 1;
        assert!(requests < 10_000, "runaway pager");
        let served = n.saturating_sub(req.offset).min(u64::from(req.limit));
        let keep = p.record(&req, served as usize, with_total.then_some(n));
        seen.extend((0..keep as u64).map(|i| req.offset + i));
    }
    (seen, requests)
}

#[test]
fn first_request_url() {
    let p = pager(500, None);
    let req = p.peek().unwrap();
    assert_eq!(
        req.url,
        "https://api.clerk.com/v1/users?user_id=a%20b&limit=500&offset=0"
    );
    assert_eq!((req.offset, req.limit), (0, 500));
}

#[test]
fn next_request_is_known_before_the_current_page_is_consumed() {
    let mut p = pager(500, None);
    let first = p.issue().unwrap();
    let second = p.peek().unwrap();
    assert_eq!(second.offset, 500);
    assert!(second.url.ends_with("limit=500&offset=500"));
    // The response to the first page can still end the walk.
    assert_eq!(p.record(&first, 20, None), 20);
    assert!(p.is_done());
}

#[test]
fn page_size_shrinks_to_the_remaining_limit() {
    let mut p = pager(500, Some(15));
    let req = p.issue().unwrap();
    assert_eq!(req.limit, 15);
    assert_eq!(p.record(&req, 15, None), 15);
    assert!(p.issue().is_none());
    let mut p = pager(500, Some(1200));
    let limits: Vec<u32> = std::iter::from_fn(|| p.issue()).map(|r| r.limit).collect();
    assert_eq!(limits, vec![500, 500, 200]);
}

#[test]
fn total_count_stops_without_an_empty_page() {
    let (seen, requests) = walk(pager(500, None), 1000, true);
    assert_eq!(seen.len(), 1000);
    assert_eq!(requests, 2);
}

#[test]
fn bare_array_needs_one_short_page_to_stop() {
    let (seen, requests) = walk(pager(500, None), 1000, false);
    assert_eq!(seen.len(), 1000);
    assert_eq!(requests, 3);
}

#[test]
fn zero_limit_makes_no_request() {
    assert!(pager(500, Some(0)).issue().is_none());
}

#[test]
fn rows_beyond_the_page_limit_are_dropped() {
    let mut p = pager(10, Some(10));
    let req = p.issue().unwrap();
    assert_eq!(p.record(&req, 25, None), 10);
}

proptest::proptest! {
    /// Any table size, page size and limit: every offset below
    /// min(size, limit) is produced exactly once, in order.
    #[test]
    fn walk_yields_every_offset_once(
        n in 0u64..3000, page in 1u32..600, limit in proptest::option::of(0u64..3000), total in proptest::bool::ANY,
    ) {
        let (seen, _) = walk(pager(page, limit), n, total);
        let want = n.min(limit.unwrap_or(u64::MAX));
        proptest::prop_assert_eq!(seen, (0..want).collect::<Vec<_>>());
    }
}

fn users_pager(max_rows: Option<u64>) -> Pager {
    let fetch = Fetch {
        path: "/users".into(),
        query: vec![
            ("banned".into(), "true".into()),
            ("order_by".into(), "-created_at".into()),
        ],
        shape: Shape::Paged {
            envelope: crate::catalog::Envelope::BareArray,
            page_size_max: 500,
        },
        bound: vec![],
    };
    Pager::for_fetch(&base(), &fetch, max_rows).unwrap()
}

#[test]
fn a_users_list_is_counted_with_its_filters_without_order_or_paging() {
    let p = users_pager(None);
    assert_eq!(
        p.count_url().as_deref(),
        Some("https://api.clerk.com/v1/users/count?banned=true")
    );
    assert!(!p.size_known());
    // a list without a count endpoint, and a bound path, have none
    assert_eq!(pager(500, None).count_url(), None);
}

#[test]
fn a_count_ends_the_list_without_an_empty_page() {
    let mut p = users_pager(None);
    let first = p.issue().unwrap();
    assert_eq!(p.record(&first, 500, None), 500);
    p.record_total(1000);
    assert!(p.size_known());
    assert_eq!(p.count_url(), None, "known: nothing to count");
    let second = p.issue().unwrap();
    assert_eq!(p.record(&second, 500, None), 500);
    assert!(p.issue().is_none(), "no page at offset 1000");
}

#[test]
fn a_count_below_the_rows_already_read_keeps_them() {
    let mut p = users_pager(None);
    let first = p.issue().unwrap();
    p.record(&first, 500, None);
    p.record_total(10);
    assert!(p.issue().is_none());
    assert!(!p.wants(&PageRequest {
        url: String::new(),
        offset: 500,
        limit: 500
    }));
}

#[test]
fn the_size_is_known_from_a_short_page_or_total_count_not_from_a_limit() {
    let mut p = pager(500, Some(2000));
    assert!(!p.size_known(), "a limit is only an upper bound");
    let req = p.issue().unwrap();
    p.record(&req, 20, None);
    assert!(p.size_known());
    let mut p = pager(500, None);
    let req = p.issue().unwrap();
    p.record(&req, 500, Some(2000));
    assert!(p.size_known());
}

#[test]
fn no_count_when_a_limit_ends_within_the_next_page() {
    let mut p = users_pager(Some(800));
    let first = p.issue().unwrap();
    p.record(&first, 500, None);
    assert_eq!(p.count_url(), None);
    let mut p = users_pager(Some(1200));
    let first = p.issue().unwrap();
    p.record(&first, 500, None);
    assert!(p.count_url().is_some());
}
