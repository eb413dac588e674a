//! The engine's JSON back-end, for every resource but users,
//! organizations, memberships and invitations (`table`): a
//! `Collection` of JSON objects addressed by a dense index, whose seeded
//! part is generated on demand by the owning module (a pure function of the
//! seed and the index, so a large seeded part costs no memory until read)
//! and whose writes live in an overlay (edited or deleted seeded objects)
//! and a vector of created objects appended after the seeded ones.
//!
//! Index order is creation order (seeded `created_at` grows with the index
//! and writes are stamped after every seeded time), so the default
//! `created_at` orders page in O(offset + limit); any other order sorts the
//! whole collection once by (field value, id), nulls last, and caches that
//! permutation until the next write. The paging itself is the list
//! algorithm's (`crate::engine::window`), as for lists held whole
//! (`list_held`: a parent's few children built in one go).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use axum::response::{IntoResponse, Response};

use crate::engine::params::{Paging, QueryParams};
use crate::engine::table::KeyValue;
use crate::engine::window::{self, Ascending, Request, Rows};
use crate::seed::{ksuid, ksuid_index, Stream};
use crate::server::envelope;
use crate::server::error::ApiResult;

/// How one resource's ids are made: Clerk's prefix, then a KSUID whose
/// payload is the object's index under the resource's own stream, so an id
/// leads back to its index without a lookup table.
#[derive(Debug, Clone, Copy)]
pub struct Ids {
    pub prefix: &'static str,
    pub stream: Stream,
    pub seed: u64,
}

impl Ids {
    pub fn new(prefix: &'static str, stream: Stream, seed: u64) -> Self {
        Self {
            prefix,
            stream,
            seed,
        }
    }

    pub fn id(&self, i: u32, created_at: i64) -> String {
        ksuid(
            self.prefix,
            self.seed,
            self.stream,
            u64::from(i),
            created_at,
        )
    }

    /// The index `id` was made from (to be confirmed by comparing ids).
    pub fn index(&self, id: &str) -> Option<u32> {
        ksuid_index(self.prefix, self.seed, self.stream, id).and_then(|i| u32::try_from(i).ok())
    }
}

/// A list answer: `{data,total_count}` when `data_total`, else a bare array.
pub fn respond(listed: Listed, data_total: bool) -> Response {
    if data_total {
        envelope::data_total(listed.items, listed.total).into_response()
    } else {
        envelope::bare_array(listed.items).into_response()
    }
}

/// `{"object": object, "id": id, "deleted": true}` (schema `DeletedObject`).
pub fn deleted(object: &str, id: &str) -> Value {
    serde_json::json!({ "object": object, "id": id, "deleted": true })
}

/// A parsed `order_by` over a JSON field name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub field: &'static str,
    pub descending: bool,
}

impl Order {
    pub const NEWEST_FIRST: Order = Order {
        field: "created_at",
        descending: true,
    };
    pub const OLDEST_FIRST: Order = Order {
        field: "created_at",
        descending: false,
    };
}

/// `order_by` among the JSON field names `allowed`; `default` when absent
/// (`QueryParams::order_among` holds the rules).
pub fn order(q: &QueryParams, allowed: &[&'static str], default: Order) -> ApiResult<Order> {
    Ok(match q.order_among(allowed)? {
        Some((i, descending)) => Order {
            field: allowed[i],
            descending,
        },
        None => default,
    })
}

/// Case-insensitive substring match of `needle` in any of `fields`.
pub fn contains_any(object: &Value, fields: &[&str], needle: &str) -> bool {
    let needle = needle.to_lowercase();
    fields.iter().any(|f| {
        object[*f]
            .as_str()
            .is_some_and(|s| s.to_lowercase().contains(&needle))
    })
}

/// The sort value of `field`; a dotted field reads a nested one
/// (`invitation.created_at`).
fn key_of(object: &Value, field: &str) -> KeyValue {
    let value = field
        .split('.')
        .try_fold(object, |v, part| v.get(part))
        .unwrap_or(&Value::Null);
    match value {
        Value::Number(n) => n.as_i64().map_or(KeyValue::Null, KeyValue::Int),
        Value::String(s) => KeyValue::Str(s.clone()),
        Value::Bool(b) => KeyValue::Int(i64::from(*b)),
        _ => KeyValue::Null,
    }
}

fn id_of(object: &Value) -> &str {
    object["id"].as_str().unwrap_or_default()
}

/// The generator of a materialized collection (never called).
pub const MATERIALIZED: &dyn Fn(u32) -> Value = &|_| Value::Null;

/// A page of objects and how many objects matched in all.
#[derive(Debug, Clone, Default)]
pub struct Listed {
    pub items: Vec<Value>,
    pub total: usize,
}

impl Listed {
    /// The same page with each object passed through `render` (a list
    /// whose stored objects are not yet its response objects).
    pub fn map(self, render: impl FnMut(Value) -> Value) -> Listed {
        Listed {
            items: self.items.into_iter().map(render).collect(),
            total: self.total,
        }
    }
}

/// A condition on an object.
pub type Filter<'a> = Box<dyn Fn(&Value) -> bool + 'a>;

/// What a list request selects, besides its order and window.
#[derive(Default)]
pub struct Select<'a> {
    /// Only these indexes (a parent's children), when known up front.
    pub candidates: Option<Vec<u32>>,
    /// Every other condition.
    pub filter: Option<Filter<'a>>,
    /// The sort key (value, id) of an unwritten seeded object for the
    /// order's field, when the owner can compute it without building the
    /// object: makes the one-off sort of a large seed cheap.
    pub seeded_key: Option<SeededKey<'a>>,
}

/// See `Select::seeded_key`.
pub type SeededKey<'a> = &'a dyn Fn(u32) -> (KeyValue, String);

/// Seeded objects generated on demand plus written ones.
#[derive(Debug, Default)]
pub struct Collection {
    seeded: u32,
    /// Seeded objects as last written; `None` once deleted.
    overlay: HashMap<u32, Option<Value>>,
    /// Created objects (index `seeded + k`); `None` once deleted.
    created: Vec<Option<Value>>,
    /// Ascending permutations per order field, dropped on every write.
    orders: Mutex<HashMap<&'static str, Arc<Vec<u32>>>>,
    /// Set when index order is not `created_at` order (objects of several
    /// parents interleaved): then every order is sorted.
    unordered: bool,
}

impl Collection {
    pub fn new(seeded: u32) -> Self {
        Self {
            seeded,
            ..Self::default()
        }
    }

    /// Like `new`, for seeded objects whose index order is not their
    /// creation order.
    pub fn unordered(seeded: u32) -> Self {
        Self {
            seeded,
            unordered: true,
            ..Self::default()
        }
    }

    /// A small collection held whole: `objects` are its first indexes and
    /// nothing is generated (read it with `MATERIALIZED` as generator).
    pub fn materialized(objects: Vec<Value>) -> Self {
        Self {
            created: objects.into_iter().map(Some).collect(),
            ..Self::default()
        }
    }

    /// Every index ever used, deleted ones included.
    pub fn len(&self) -> u32 {
        self.seeded + self.created.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn seeded_len(&self) -> u32 {
        self.seeded
    }

    /// Object `i` as last written, `None` if deleted or out of range.
    pub fn get(&self, i: u32, seeded: &dyn Fn(u32) -> Value) -> Option<Value> {
        if i < self.seeded {
            match self.overlay.get(&i) {
                Some(written) => written.clone(),
                None => Some(seeded(i)),
            }
        } else {
            self.created
                .get((i - self.seeded) as usize)
                .cloned()
                .flatten()
        }
    }

    /// The live object `i` whose id is `id` (the caller derived `i` from the
    /// id; comparing rejects forged and stale ids).
    pub fn get_by_id(
        &self,
        i: Option<u32>,
        id: &str,
        seeded: &dyn Fn(u32) -> Value,
    ) -> Option<(u32, Value)> {
        let i = i?;
        self.get(i, seeded)
            .filter(|o| id_of(o) == id)
            .map(|o| (i, o))
    }

    /// The first live object `pred` accepts (linear: for small collections
    /// and lookups by key).
    pub fn find(
        &self,
        seeded: &dyn Fn(u32) -> Value,
        pred: impl Fn(&Value) -> bool,
    ) -> Option<(u32, Value)> {
        (0..self.len()).find_map(|i| self.get(i, seeded).filter(|o| pred(o)).map(|o| (i, o)))
    }

    /// Every live object with its index, in index order (small collections).
    pub fn all_indexed(&self, seeded: &dyn Fn(u32) -> Value) -> Vec<(u32, Value)> {
        (0..self.len())
            .filter_map(|i| self.get(i, seeded).map(|o| (i, o)))
            .collect()
    }

    /// Every live object, in index order (for small collections).
    pub fn all(&self, seeded: &dyn Fn(u32) -> Value) -> Vec<Value> {
        (0..self.len())
            .filter_map(|i| self.get(i, seeded))
            .collect()
    }

    fn written(&mut self) {
        self.orders
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub fn set(&mut self, i: u32, object: Value) {
        self.written();
        if i < self.seeded {
            self.overlay.insert(i, Some(object));
        } else if let Some(slot) = self.created.get_mut((i - self.seeded) as usize) {
            *slot = Some(object);
        }
    }

    pub fn delete(&mut self, i: u32) {
        self.written();
        if i < self.seeded {
            self.overlay.insert(i, None);
        } else if let Some(slot) = self.created.get_mut((i - self.seeded) as usize) {
            *slot = None;
        }
    }

    /// The index the next created object will get.
    pub fn next_index(&self) -> u32 {
        self.len()
    }

    pub fn push(&mut self, object: Value) -> u32 {
        self.written();
        self.created.push(Some(object));
        self.len() - 1
    }

    fn is_live(&self, i: u32) -> bool {
        if i < self.seeded {
            !matches!(self.overlay.get(&i), Some(None))
        } else {
            self.created
                .get((i - self.seeded) as usize)
                .is_some_and(Option::is_some)
        }
    }

    /// Ascending (value, id) order of every index for `field`.
    fn permutation(
        &self,
        field: &'static str,
        seeded: &dyn Fn(u32) -> Value,
        seeded_key: Option<SeededKey<'_>>,
    ) -> Arc<Vec<u32>> {
        let mut orders = self.orders.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = orders.get(field) {
            return p.clone();
        }
        let mut keyed: Vec<(KeyValue, String, u32)> = (0..self.len())
            .filter_map(|i| match seeded_key {
                Some(key) if i < self.seeded && !self.overlay.contains_key(&i) => {
                    let (value, id) = key(i);
                    Some((value, id, i))
                }
                _ => self
                    .get(i, seeded)
                    .map(|o| (key_of(&o, field), id_of(&o).to_owned(), i)),
            })
            .collect();
        keyed.sort_unstable();
        let p = Arc::new(keyed.into_iter().map(|(_, _, i)| i).collect::<Vec<_>>());
        orders.insert(field, p.clone());
        p
    }

    /// One page of the live objects `select` accepts, in `order`.
    pub fn list(
        &self,
        seeded: &dyn Fn(u32) -> Value,
        order: Order,
        select: Select<'_>,
        paging: Paging,
    ) -> Listed {
        let Select {
            candidates,
            filter,
            seeded_key,
        } = select;
        let accept = |i: u32| {
            filter
                .as_ref()
                .is_none_or(|f| self.get(i, seeded).is_some_and(|o| f(&o)))
        };
        let rows = Keyed {
            collection: self,
            seeded,
            field: order.field,
            // A filtered parent's children are sorted by the objects' own
            // fields.
            seeded_key: seeded_key.filter(|_| candidates.is_none() || filter.is_none()),
        };
        let permutation = (candidates.is_none() && (order.field != "created_at" || self.unordered))
            .then(|| self.permutation(order.field, seeded, rows.seeded_key));
        let ascending = permutation
            .as_deref()
            .map_or(Ascending::Index, |p| Ascending::Permutation(p));
        let page = window::window(
            &rows,
            ascending,
            Request {
                descending: order.descending,
                candidates,
                filter: filter.is_some().then_some(&accept as &dyn Fn(u32) -> bool),
                start: 0,
                paging,
            },
        );
        Listed {
            items: page
                .indexes
                .into_iter()
                .filter_map(|i| self.get(i, seeded))
                .collect(),
            total: page.total,
        }
    }
}

/// A collection as the list algorithm reads it, for one order field.
struct Keyed<'c> {
    collection: &'c Collection,
    seeded: &'c dyn Fn(u32) -> Value,
    field: &'static str,
    seeded_key: Option<SeededKey<'c>>,
}

impl Rows for Keyed<'_> {
    type Key = (KeyValue, String);

    fn len(&self) -> u32 {
        self.collection.len()
    }

    fn is_live(&self, i: u32) -> bool {
        self.collection.is_live(i)
    }

    fn all_live(&self) -> bool {
        !self.collection.overlay.values().any(Option::is_none)
            && self.collection.created.iter().all(Option::is_some)
    }

    fn key(&self, i: u32) -> (KeyValue, String) {
        match self.seeded_key {
            Some(key)
                if i < self.collection.seeded && !self.collection.overlay.contains_key(&i) =>
            {
                key(i)
            }
            _ => self
                .collection
                .get(i, self.seeded)
                .map_or((KeyValue::Null, String::new()), |o| {
                    (key_of(&o, self.field), id_of(&o).to_owned())
                }),
        }
    }
}

/// A list held whole (a statement's payment attempts, a user's tokens),
/// through the list algorithm: sorted by `order`, or in the order given
/// when `None`, then windowed.
pub fn list_held(objects: Vec<Value>, order: Option<Order>, paging: Paging) -> Listed {
    let rows = Held {
        objects: &objects,
        field: order.map_or("", |o| o.field),
    };
    let page = window::window(
        &rows,
        Ascending::Index,
        Request {
            descending: order.is_some_and(|o| o.descending),
            candidates: order.map(|_| (0..rows.len()).collect()),
            filter: None,
            start: 0,
            paging,
        },
    );
    let mut objects: Vec<Option<Value>> = objects.into_iter().map(Some).collect();
    Listed {
        items: page
            .indexes
            .into_iter()
            .filter_map(|i| objects.get_mut(i as usize).and_then(Option::take))
            .collect(),
        total: page.total,
    }
}

/// Objects held in a vector, as the list algorithm reads them.
struct Held<'v> {
    objects: &'v [Value],
    field: &'static str,
}

impl Rows for Held<'_> {
    type Key = (KeyValue, String);

    fn len(&self) -> u32 {
        self.objects.len() as u32
    }

    fn is_live(&self, _: u32) -> bool {
        true
    }

    fn all_live(&self) -> bool {
        true
    }

    fn key(&self, i: u32) -> (KeyValue, String) {
        self.objects
            .get(i as usize)
            .map_or((KeyValue::Null, String::new()), |o| {
                (key_of(o, self.field), id_of(o).to_owned())
            })
    }
}

/// Compare two objects by `field` then id (for callers sorting by hand).
pub fn compare(a: &Value, b: &Value, order: Order) -> Ordering {
    let ordering = key_of(a, order.field)
        .cmp(&key_of(b, order.field))
        .then_with(|| id_of(a).cmp(id_of(b)));
    if order.descending {
        ordering.reverse()
    } else {
        ordering
    }
}

#[cfg(test)]
mod collection_tests {
    use super::*;
    use serde_json::json;

    fn seeded(i: u32) -> Value {
        json!({ "id": format!("x_{i:03}"), "created_at": i64::from(i) * 10, "name": format!("n{}", 9 - i % 10) })
    }

    fn ids(listed: &Listed) -> Vec<String> {
        listed.items.iter().map(|o| id_of(o).to_owned()).collect()
    }

    #[test]
    fn natural_and_sorted_orders_skip_deleted_objects() {
        let mut c = Collection::new(5);
        let paging = Paging {
            limit: 10,
            offset: 0,
        };
        let newest = c.list(&seeded, Order::NEWEST_FIRST, Select::default(), paging);
        assert_eq!(ids(&newest), ["x_004", "x_003", "x_002", "x_001", "x_000"]);
        c.delete(2);
        let pushed = c.push(json!({ "id": "x_900", "created_at": 1000, "name": "a" }));
        assert_eq!(pushed, 5);
        let by_name = c.list(
            &seeded,
            Order {
                field: "name",
                descending: false,
            },
            Select::default(),
            paging,
        );
        assert_eq!(ids(&by_name), ["x_900", "x_004", "x_003", "x_001", "x_000"]);
        assert_eq!(by_name.total, 5);
        let window = c.list(
            &seeded,
            Order::NEWEST_FIRST,
            Select::default(),
            Paging {
                limit: 2,
                offset: 1,
            },
        );
        assert_eq!(ids(&window), ["x_004", "x_003"]);
        assert_eq!(window.total, 5);
        assert!(c.get(2, &seeded).is_none());
        assert!(c.get_by_id(Some(3), "x_003", &seeded).is_some());
        assert!(c.get_by_id(Some(3), "x_004", &seeded).is_none());
    }
}
