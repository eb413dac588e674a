//! Who belongs to which organization. Seeded users join at most one seeded
//! organization each (80% do, picked at random), which is what
//! `members_count`, `created_by`, the users' `organization_id` filter and
//! the organizations' `user_id` filter agree on. The membership endpoints
//! themselves come later and will build on this relation. Deleting a user
//! or an organization ends the memberships it had.

use std::collections::HashSet;

use crate::seed::{mix, pick, Stream};

/// Per-organization aggregates of the membership relation, computed once in
/// O(users) and kept in O(organizations) memory.
#[derive(Debug)]
pub struct Memberships {
    seed: u64,
    users: u32,
    organizations: u32,
    members_count: Vec<u32>,
    first_member: Vec<Option<u32>>,
    removed_users: HashSet<u32>,
    removed_organizations: HashSet<u32>,
}

impl Memberships {
    pub fn seeded(seed: u64, users: u32, organizations: u32) -> Self {
        let mut members_count = vec![0u32; organizations as usize];
        let mut first_member = vec![None; organizations as usize];
        for user in 0..users {
            if let Some(org) = organization_of(seed, organizations, user) {
                let slot = org as usize;
                members_count[slot] += 1;
                first_member[slot].get_or_insert(user);
            }
        }
        Self {
            seed,
            users,
            organizations,
            members_count,
            first_member,
            removed_users: HashSet::new(),
            removed_organizations: HashSet::new(),
        }
    }

    /// The organization user `user` belongs to, if any (users created
    /// through the API belong to none).
    pub fn organization_of(&self, user: u32) -> Option<u32> {
        if user >= self.users || self.removed_users.contains(&user) {
            return None;
        }
        organization_of(self.seed, self.organizations, user)
            .filter(|org| !self.removed_organizations.contains(org))
    }

    /// End a deleted user's membership; returns the organization it left.
    pub fn remove_user(&mut self, user: u32) -> Option<u32> {
        let org = self.organization_of(user)?;
        self.removed_users.insert(user);
        if let Some(count) = self.members_count.get_mut(org as usize) {
            *count = count.saturating_sub(1);
        }
        Some(org)
    }

    /// End every membership of a deleted organization.
    pub fn remove_organization(&mut self, org: u32) {
        self.removed_organizations.insert(org);
        if let Some(count) = self.members_count.get_mut(org as usize) {
            *count = 0;
        }
    }

    pub fn members_count(&self, org: u32) -> u32 {
        self.members_count.get(org as usize).copied().unwrap_or(0)
    }

    /// The earliest-created member, who is reported as the creator.
    pub fn first_member(&self, org: u32) -> Option<u32> {
        self.first_member.get(org as usize).copied().flatten()
    }
}

fn organization_of(seed: u64, organizations: u32, user: u32) -> Option<u32> {
    if organizations == 0 || mix(seed, Stream::Membership, u64::from(user), 0) % 100 >= 80 {
        return None;
    }
    Some(pick(
        mix(seed, Stream::Membership, u64::from(user), 1),
        organizations as usize,
    ) as u32)
}
