//! Users' trusted devices: `GET /v1/users/{user_id}/trusted_devices`
//! (`{data,total_count}` of `TrustedDevice`, no paging parameters, newest
//! first).
//!
//! The spec lists only the user's *active* devices, so every listed device
//! is `active` with no `revoked_at`. Every fifth seeded user (indexes 0, 5,
//! 10, …) enrolled devices: users `i` with `i % 10 == 0` one, users with
//! `i % 10 == 5` two (an iPhone and an Android phone, in a random order).
//! Devices are generated from the user's index, enrolled after the user was
//! created; most were used since (`last_used_at`), some never. Users
//! created through the API have none; an unknown or deleted user is a 404.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::coverage::{op, Operation, PagedList, Status::Served};
use crate::resources::users::Users;
use crate::seed::{between, ksuid, mix, Stream, DAY_MS, NOW_MS};
use crate::server::envelope;
use crate::server::error::ApiResult;
use crate::server::state::{AppState, Seeding};

const IOS_APP: &str = "8C2Q5X7ZLM.com.example.emulator";
const ANDROID_APP: &str = "com.example.emulator";

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/users/{user_id}/trusted_devices", get(list))
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[op("GET", "/users/{user_id}/trusted_devices", Served)];

/// None of the lists `routes` serves is walked by the paging property.
pub const PAGED_LISTS: &[PagedList] = &[];

/// No table of its own to seed.
pub const SEEDING: Option<Seeding> = None;

/// How many trusted devices seeded user `index` enrolled.
pub fn devices_of(index: u32) -> u32 {
    match index % 10 {
        0 => 1,
        5 => 2,
        _ => 0,
    }
}

async fn list(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let store = state.store();
    let index = store.table::<Users>().existing(user_id)?;
    let seed = store.seed();
    let count = if index < store.table::<Users>().count() {
        devices_of(index)
    } else {
        0
    };
    let core = store.table::<Users>().core(index);
    let first_ios = mix(seed, Stream::TrustedDevice, u64::from(index), 0).is_multiple_of(2);
    let mut enrolled_at = core.created_at;
    let mut devices: Vec<Value> = (0..count)
        .map(|slot| {
            let k = u64::from(index) * 2 + u64::from(slot);
            let w = |s: u64| mix(seed, Stream::TrustedDevice, k, s);
            let created_at = between(
                enrolled_at,
                (enrolled_at + 200 * DAY_MS).min(NOW_MS - DAY_MS),
                w(1),
            );
            enrolled_at = created_at + 1000;
            let last_used_at = (w(2) % 5 != 0).then(|| between(created_at, NOW_MS, w(3)));
            let ios = first_ios == (slot == 0);
            let owner = core.first_name.map(|n| format!("{n}'s "));
            let name = (w(4) % 4 != 0).then(|| {
                let model = if ios { "iPhone" } else { "Pixel" };
                format!("{}{model}", owner.unwrap_or_default())
            });
            json!({
                "object": "trusted_device",
                "id": ksuid("td_", seed, Stream::TrustedDeviceId, k, created_at),
                "platform": if ios { "ios" } else { "android" },
                "app_identifier": if ios { IOS_APP } else { ANDROID_APP },
                "name": name,
                "algorithm": "ES256",
                "status": "active",
                "created_at": created_at,
                "updated_at": last_used_at.unwrap_or(created_at),
                "last_used_at": last_used_at,
                "revoked_at": null,
            })
        })
        .collect();
    devices.reverse();
    let total = devices.len();
    Ok(envelope::data_total(devices, total))
}
