//! The organizations table: the seeded organizations of an instance (each
//! a pure function of the seed and its index), the ones written since, their
//! ids and the orders `GET /v1/organizations` sorts them in. Rendering
//! an organization with what other resources know of it (its creator) and
//! the routes are in the parent module.

use serde::Serialize;
use serde_json::Value;

use crate::engine::params::{OrderBy, OrderField};
use crate::engine::table::{KeyValue, SortCache, SortKey, Table, Writes};
use crate::resources::memberships::model::Memberships;
use crate::seed::{self, between, ksuid, ksuid_bytes, mix, pick, Stream, Timeline, NOW_MS};
use crate::server::error::{ApiError, ApiResult};

pub const ID_PREFIX: &str = "org_";
/// 2021-01-01T00:00:00Z: seeded organizations are created after this.
const ORG_START_MS: i64 = 1_609_459_200_000;
pub(super) const MAX_MEMBERSHIP_HEADROOM: &[u32] = &[5, 10, 25, 100];

/// `order_by` fields of `GET /organizations`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationField {
    Name,
    CreatedAt,
    MembersCount,
}

impl OrderField for OrganizationField {
    const FIELDS: &'static [(&'static str, Self)] = &[
        ("name", Self::Name),
        ("created_at", Self::CreatedAt),
        ("members_count", Self::MembersCount),
    ];
}

pub const DEFAULT_ORDER: OrderBy<OrganizationField> = OrderBy {
    field: OrganizationField::CreatedAt,
    descending: true,
};

/// The seeded organizations of an instance.
#[derive(Debug)]
pub struct Organizations {
    seed: u64,
    timeline: Timeline,
    /// `members_count` per organization, copied from the membership relation
    /// so the table can sort by it on its own.
    members_count: Vec<u32>,
    /// Organizations written since startup (changed seeded ones, and
    /// created ones at indexes `count()..`), stored without the optional
    /// `include_*` fields.
    pub(super) writes: Writes<Organization>,
}

crate::server::state::store_table!(
    Organizations,
    Organizations::seeded(0, 0, &Memberships::seeded(0, 0, 0))
);

/// The cheap scalar facts of one organization.
#[derive(Debug, Clone, Copy)]
pub struct OrganizationCore {
    pub index: u32,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_active_at: i64,
    pub adjective: &'static str,
    pub noun: &'static str,
    pub suffix: &'static str,
    pub has_image: bool,
    pub admin_delete_enabled: bool,
    pub(super) words: [u64; 3],
}

impl Organizations {
    pub fn seeded(seed: u64, count: u32, memberships: &Memberships) -> Self {
        Self {
            seed,
            timeline: Timeline::new(ORG_START_MS, u64::from(count)),
            members_count: (0..count).map(|o| memberships.members_count(o)).collect(),
            writes: Writes::new(count, OrganizationField::FIELDS.len()),
        }
    }

    pub fn count(&self) -> u32 {
        self.writes.seeded_len()
    }

    pub fn core(&self, index: u32) -> OrganizationCore {
        let w = |k: u64| mix(self.seed, Stream::Org, u64::from(index), k);
        let created_at = self.timeline.at(u64::from(index), w(0));
        let updated_at = between(created_at, NOW_MS, w(1));
        OrganizationCore {
            index,
            created_at,
            updated_at,
            last_active_at: between(updated_at, NOW_MS, w(2)),
            adjective: seed::ORG_ADJECTIVES[pick(w(3), seed::ORG_ADJECTIVES.len())],
            noun: seed::ORG_NOUNS[pick(w(4), seed::ORG_NOUNS.len())],
            suffix: seed::ORG_SUFFIXES[pick(w(5), seed::ORG_SUFFIXES.len())],
            has_image: w(6) % 100 < 30,
            admin_delete_enabled: w(7) % 10 != 0,
            words: [w(8), w(9), w(10)],
        }
    }

    pub fn id_of(&self, index: u32) -> String {
        match self.writes.get(index) {
            Some(o) => o.id.clone(),
            None => self.id(&self.core(index)),
        }
    }

    pub(super) fn id(&self, core: &OrganizationCore) -> String {
        ksuid(
            ID_PREFIX,
            self.seed,
            Stream::OrgId,
            u64::from(core.index),
            core.created_at,
        )
    }

    pub fn name(core: &OrganizationCore) -> String {
        format!("{} {} {}", core.adjective, core.noun, core.suffix)
    }

    pub fn slug(core: &OrganizationCore) -> String {
        format!(
            "{}-{}-{}-{}",
            core.adjective, core.noun, core.suffix, core.index
        )
        .to_lowercase()
    }

    pub fn members_count(&self, index: u32) -> u32 {
        self.members_count.get(index as usize).copied().unwrap_or(0)
    }

    pub fn set_members_count(&mut self, index: u32, count: u32) {
        if let Some(slot) = self.members_count.get_mut(index as usize) {
            *slot = count;
        }
        self.writes.drop_orders();
    }

    fn total(&self) -> u32 {
        self.writes.len()
    }

    /// The index of the organization with this id, if it exists.
    pub fn find(&self, id: &str) -> Option<u32> {
        let index =
            u32::try_from(seed::ksuid_index(ID_PREFIX, self.seed, Stream::OrgId, id)?).ok()?;
        (index < self.total() && self.writes.is_live(index) && self.id_of(index) == id)
            .then_some(index)
    }

    /// The index of the organization with this slug, if it exists.
    pub fn find_slug(&self, slug: &str) -> Option<u32> {
        if let Some((index, _)) = self
            .writes
            .iter()
            .find(|&(i, o)| o.slug == slug && self.writes.is_live(i))
        {
            return Some(index);
        }
        let index = u32::try_from(seed::trailing_index(slug)?).ok()?;
        (index < self.count()
            && self.writes.get(index).is_none()
            && self.writes.is_live(index)
            && Self::slug(&self.core(index)) == slug)
            .then_some(index)
    }

    pub fn name_of(&self, index: u32) -> String {
        match self.writes.get(index) {
            Some(o) => o.name.clone(),
            None => Self::name(&self.core(index)),
        }
    }

    pub fn slug_of(&self, index: u32) -> String {
        match self.writes.get(index) {
            Some(o) => o.slug.clone(),
            None => Self::slug(&self.core(index)),
        }
    }

    /// Organization `index` for writing (see `Users::edit`).
    pub fn edit(&mut self, store_view: Organization, index: u32) -> &mut Organization {
        let org = self.writes.take(index).unwrap_or(store_view);
        self.writes.write(index, org)
    }

    pub fn next_index(&self) -> u32 {
        self.total()
    }

    pub fn new_id(&self, index: u32, created_at: i64) -> String {
        ksuid(
            ID_PREFIX,
            self.seed,
            Stream::OrgId,
            u64::from(index),
            created_at,
        )
    }

    pub fn insert_created(&mut self, org: Organization) -> u32 {
        self.members_count.push(0);
        self.writes.insert_created(org)
    }

    pub fn break_natural_order(&mut self) {
        self.writes.break_natural_order();
    }

    pub fn delete(&mut self, index: u32) {
        self.writes.delete(index);
    }
}

impl Organizations {
    /// The index of organization `organization_id`, or Clerk's 404 naming
    /// it.
    pub fn existing(&self, organization_id: String) -> ApiResult<u32> {
        self.find(&organization_id)
            .ok_or_else(|| organization_not_found(organization_id))
    }
}

/// Clerk's 404 for an organization id.
pub fn organization_not_found(id: String) -> ApiError {
    ApiError::NotFound {
        kind: "organization",
        id,
    }
}

impl Table for Organizations {
    type Field = OrganizationField;

    fn len(&self) -> usize {
        self.writes.len() as usize
    }

    fn is_live(&self, index: u32) -> bool {
        self.writes.is_live(index)
    }

    fn all_live(&self) -> bool {
        self.writes.all_live()
    }

    fn natural_order_holds(&self) -> bool {
        self.writes.natural_order_holds()
    }

    fn natural_field(&self) -> OrganizationField {
        OrganizationField::CreatedAt
    }

    fn sort_key(&self, field: OrganizationField, index: u32) -> SortKey {
        if let Some(org) = self.writes.get(index) {
            let value = match field {
                OrganizationField::Name => KeyValue::Str(org.name.clone()),
                OrganizationField::CreatedAt => KeyValue::Int(org.created_at),
                OrganizationField::MembersCount => {
                    KeyValue::Int(i64::from(self.members_count(index)))
                }
            };
            return SortKey::written(value, &org.id, ID_PREFIX);
        }
        let core = self.core(index);
        let value = match field {
            OrganizationField::Name => KeyValue::Str(Self::name(&core)),
            OrganizationField::CreatedAt => KeyValue::Int(core.created_at),
            OrganizationField::MembersCount => KeyValue::Int(i64::from(self.members_count(index))),
        };
        SortKey {
            value,
            id: ksuid_bytes(self.seed, Stream::OrgId, u64::from(index), core.created_at),
        }
    }

    fn sort_cache(&self) -> &SortCache {
        self.writes.sort_cache()
    }
}

/// Schema `Organization`. Optional fields the request did not ask for are
/// left out rather than sent as `null` (the spec does not mark them nullable).
#[derive(Debug, Clone, Serialize)]
pub struct Organization {
    pub object: &'static str,
    pub id: String,
    pub name: String,
    pub slug: String,
    pub image_url: String,
    pub has_image: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_member_with_elevated_permissions: Option<bool>,
    pub max_allowed_memberships: u32,
    pub admin_delete_enabled: bool,
    pub public_metadata: Value,
    pub private_metadata: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_active_at: i64,
    /// The role set a create or update assigned (seeded organizations
    /// have none, and leave the field out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_set_key: Option<String>,
}
