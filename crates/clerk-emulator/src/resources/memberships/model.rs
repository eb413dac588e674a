//! The membership relation: which seeded user belongs to which seeded
//! organization (a pure function of the seed, so a million users cost
//! their index arrays only), the memberships written since, live member
//! counts, and the orders the membership lists sort by. Users and
//! organizations read it to filter by each other; rendering a membership
//! with its user and organization, and the routes, are in the parent
//! module.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::engine::params::{OrderBy, OrderField};
use crate::engine::table::VersionedCache;
use crate::seed::{ksuid, mix, pick, Stream};

pub const ID_PREFIX: &str = "orgmem_";

/// `order_by` fields of the membership lists (the user's fields, and the
/// membership's own `created_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipField {
    PhoneNumber,
    EmailAddress,
    CreatedAt,
    FirstName,
    LastName,
    Username,
}

impl OrderField for MembershipField {
    const FIELDS: &'static [(&'static str, Self)] = &[
        ("phone_number", Self::PhoneNumber),
        ("email_address", Self::EmailAddress),
        ("created_at", Self::CreatedAt),
        ("first_name", Self::FirstName),
        ("last_name", Self::LastName),
        ("username", Self::Username),
    ];
}

/// The spec states no default; newest first, like every other list.
pub const DEFAULT_ORDER: OrderBy<MembershipField> = OrderBy {
    field: MembershipField::CreatedAt,
    descending: true,
};

/// A membership's mutable state, once written (or created by the API).
#[derive(Debug, Clone)]
pub struct Written {
    pub role: String,
    pub public_metadata: Value,
    pub private_metadata: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Every membership of the instance.
#[derive(Debug)]
pub struct Memberships {
    pub(super) seed: u64,
    /// Seeded memberships of user `u`: `user_start[u]..user_start[u + 1]`.
    user_start: Vec<u32>,
    user_of: Vec<u32>,
    org_of: Vec<u32>,
    /// Seeded memberships grouped by organization.
    org_start: Vec<u32>,
    by_org: Vec<u32>,
    /// Live members per organization (created organizations included).
    members_count: Vec<u32>,
    first_member: Vec<Option<u32>>,
    /// `(user, organization)` of memberships created by the API, at
    /// indexes `seeded_len()..`.
    created: Vec<(u32, u32)>,
    pub(super) written: HashMap<u32, Written>,
    removed: HashSet<u32>,
    removed_users: HashSet<u32>,
    removed_organizations: HashSet<u32>,
    pub(super) version: u64,
    pub(super) orders: VersionedCache,
}

crate::server::state::store_table!(Memberships, Memberships::seeded(0, 0, 0));

impl Memberships {
    pub fn seeded(seed: u64, users: u32, organizations: u32) -> Self {
        let mut user_start = Vec::with_capacity(users as usize + 1);
        let mut user_of = Vec::new();
        let mut org_of = Vec::new();
        let mut members_count = vec![0u32; organizations as usize];
        let mut first_member = vec![None; organizations as usize];
        for user in 0..users {
            user_start.push(org_of.len() as u32);
            let (orgs, n) = seeded_organizations_of(seed, organizations, user);
            for &org in &orgs[..n] {
                user_of.push(user);
                org_of.push(org);
                members_count[org as usize] += 1;
                first_member[org as usize].get_or_insert(user);
            }
        }
        user_start.push(org_of.len() as u32);
        // Counting sort of membership indexes by organization.
        let mut org_start = vec![0u32; organizations as usize + 1];
        for &org in &org_of {
            org_start[org as usize + 1] += 1;
        }
        for i in 0..organizations as usize {
            org_start[i + 1] += org_start[i];
        }
        let mut fill = org_start.clone();
        let mut by_org = vec![0u32; org_of.len()];
        for (m, &org) in org_of.iter().enumerate() {
            by_org[fill[org as usize] as usize] = m as u32;
            fill[org as usize] += 1;
        }
        Self {
            seed,
            user_start,
            user_of,
            org_of,
            org_start,
            by_org,
            members_count,
            first_member,
            created: Vec::new(),
            written: HashMap::new(),
            removed: HashSet::new(),
            removed_users: HashSet::new(),
            removed_organizations: HashSet::new(),
            version: 1,
            orders: VersionedCache::new(MembershipField::FIELDS.len()),
        }
    }

    fn seeded_len(&self) -> u32 {
        self.org_of.len() as u32
    }

    /// Every membership ever held, live or not.
    pub fn len(&self) -> u32 {
        self.seeded_len() + self.created.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `(user, organization)` of membership `m`.
    pub fn pair(&self, m: u32) -> (u32, u32) {
        let i = m as usize;
        match (self.user_of.get(i), self.org_of.get(i)) {
            (Some(&u), Some(&o)) => (u, o),
            _ => self
                .created
                .get(i - self.org_of.len())
                .copied()
                .unwrap_or((u32::MAX, u32::MAX)),
        }
    }

    pub fn is_live(&self, m: u32) -> bool {
        let (user, org) = self.pair(m);
        m < self.len()
            && !self.removed.contains(&m)
            && !self.removed_users.contains(&user)
            && !self.removed_organizations.contains(&org)
    }

    pub(super) fn all_live(&self) -> bool {
        self.removed.is_empty()
            && self.removed_users.is_empty()
            && self.removed_organizations.is_empty()
    }

    /// Live memberships of user `user`.
    pub fn of_user(&self, user: u32) -> Vec<u32> {
        let seeded = match (
            self.user_start.get(user as usize),
            self.user_start.get(user as usize + 1),
        ) {
            (Some(&a), Some(&b)) => a..b,
            _ => 0..0,
        };
        let created = self.created_where(|u, _| u == user);
        seeded.chain(created).filter(|&m| self.is_live(m)).collect()
    }

    /// Live memberships of organization `org`.
    pub fn of_organization(&self, org: u32) -> Vec<u32> {
        let seeded = match (
            self.org_start.get(org as usize),
            self.org_start.get(org as usize + 1),
        ) {
            (Some(&a), Some(&b)) => self.by_org[a as usize..b as usize].to_vec(),
            _ => Vec::new(),
        };
        let created = self.created_where(|_, o| o == org);
        seeded
            .into_iter()
            .chain(created)
            .filter(|&m| self.is_live(m))
            .collect()
    }

    fn created_where<'a>(
        &'a self,
        keep: impl Fn(u32, u32) -> bool + 'a,
    ) -> impl Iterator<Item = u32> + 'a {
        let base = self.seeded_len();
        self.created
            .iter()
            .enumerate()
            .filter(move |(_, &(u, o))| keep(u, o))
            .map(move |(i, _)| base + i as u32)
    }

    /// The users of `org`'s seeded memberships, in user order (the seeded
    /// invitations' accepted invitees are drawn from them).
    pub fn seeded_members(&self, org: u32) -> Vec<u32> {
        match (
            self.org_start.get(org as usize),
            self.org_start.get(org as usize + 1),
        ) {
            (Some(&a), Some(&b)) => self.by_org[a as usize..b as usize]
                .iter()
                .map(|&m| self.pair(m).0)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The organizations user `user` belongs to.
    pub fn organizations_of(&self, user: u32) -> Vec<u32> {
        self.of_user(user)
            .into_iter()
            .map(|m| self.pair(m).1)
            .collect()
    }

    /// The live membership of `user` in `org`, if any.
    pub fn find(&self, org: u32, user: u32) -> Option<u32> {
        self.of_user(user)
            .into_iter()
            .find(|&m| self.pair(m).1 == org)
    }

    pub fn members_count(&self, org: u32) -> u32 {
        self.members_count.get(org as usize).copied().unwrap_or(0)
    }

    /// The earliest seeded member, reported as the creator.
    pub fn first_member(&self, org: u32) -> Option<u32> {
        self.first_member.get(org as usize).copied().flatten()
    }

    fn add_count(&mut self, org: u32, delta: i64) {
        let slot = org as usize;
        if self.members_count.len() <= slot {
            self.members_count.resize(slot + 1, 0);
        }
        let count = &mut self.members_count[slot];
        *count = u32::try_from((i64::from(*count) + delta).max(0)).unwrap_or(0);
    }

    /// Add a membership created by the API; returns its index.
    pub fn insert(&mut self, user: u32, org: u32, state: Written) -> u32 {
        let m = self.len();
        self.created.push((user, org));
        self.written.insert(m, state);
        self.add_count(org, 1);
        self.version += 1;
        m
    }

    /// Membership `m`'s written state, copied from `seeded` on first write.
    pub fn edit(&mut self, m: u32, seeded: Written) -> &mut Written {
        self.version += 1;
        self.written.entry(m).or_insert(seeded)
    }

    pub fn remove(&mut self, m: u32) {
        if self.is_live(m) {
            let (_, org) = self.pair(m);
            self.removed.insert(m);
            self.add_count(org, -1);
            self.version += 1;
        }
    }

    /// End a deleted user's memberships; returns the organizations it left.
    pub fn remove_user(&mut self, user: u32) -> Vec<u32> {
        let orgs = self.organizations_of(user);
        for &org in &orgs {
            self.add_count(org, -1);
        }
        self.removed_users.insert(user);
        self.version += 1;
        orgs
    }

    /// End every membership of a deleted organization.
    pub fn remove_organization(&mut self, org: u32) {
        self.removed_organizations.insert(org);
        if let Some(count) = self.members_count.get_mut(org as usize) {
            *count = 0;
        }
        self.version += 1;
    }

    pub(super) fn words(&self, user: u32, org: u32) -> impl Fn(u64) -> u64 {
        let seed = self.seed;
        let key = (u64::from(user) << 32) | u64::from(org);
        move |k| mix(seed, Stream::MembershipData, key, k)
    }

    pub fn id(&self, m: u32, created_at: i64) -> String {
        ksuid(
            ID_PREFIX,
            self.seed,
            Stream::MembershipId,
            u64::from(m),
            created_at,
        )
    }
}

/// A seeded user's organizations: sorted, distinct, at most three.
fn seeded_organizations_of(seed: u64, organizations: u32, user: u32) -> ([u32; 3], usize) {
    let mut out = [0u32; 3];
    if organizations == 0 || mix(seed, Stream::Membership, u64::from(user), 0) % 100 >= 80 {
        return (out, 0);
    }
    let n_orgs = organizations as usize;
    out[0] = pick(mix(seed, Stream::Membership, u64::from(user), 1), n_orgs) as u32;
    let mut n = 1;
    let extra = match mix(seed, Stream::ExtraMembership, u64::from(user), 0) % 100 {
        0..18 => 1,
        18..25 => 2,
        _ => 0,
    };
    for k in 0..extra {
        let org = pick(
            mix(seed, Stream::ExtraMembership, u64::from(user), 1 + k),
            n_orgs,
        ) as u32;
        if !out[..n].contains(&org) {
            out[n] = org;
            n += 1;
        }
    }
    out[..n].sort_unstable();
    (out, n)
}
