//! Users: `GET /v1/users`, `GET /v1/users/count`, `GET /v1/users/{user_id}`
//! and the seeded `User` objects behind them (schema `User` in the spec).
//!
//! Every user is a pure function of `(seed, index)`. Usernames, email local
//! parts, phone numbers, external ids and external accounts' provider user
//! ids end with the user's index, so the exact-match filters find their
//! candidates without an index structure; each candidate is then
//! regenerated and compared, so the digits are only a hint, never trusted.
//!
//! A seeded user has 1-3 email addresses, 0-3 phone numbers (the first one
//! primary) and 0-2 external accounts (Google, GitHub or Microsoft), each
//! sharing an email address with the user, which lists it in `linked_to`.
//! Extra phones and external accounts come from their own random stream
//! (`Stream::UserAccounts`), so the fields older seeds produced keep their
//! values.

pub mod writes;

use axum::extract::{Path, RawQuery, State};

use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};

use crate::coverage::{op, paged, Operation, PagedList, Status::Served};
use crate::engine::params::{IdFilter, OrderBy, OrderField, QueryParams};
use crate::engine::table::{self, KeyValue, Page, Selection, SortCache, SortKey, Table, Writes};
use crate::resources::memberships::model::Memberships;
use crate::resources::organizations::model::Organizations;
use crate::seed::{
    self, between, ksuid, ksuid_bytes, mix, pick, Stream, Timeline, DAY_MS, NOW_MS, START_MS,
};
use crate::server::envelope;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{seeding, AppState, Config, Seeding, Store};

pub const ID_PREFIX: &str = "user_";
const EMAIL_DOMAINS: &[&str] = &["example.com", "example.org", "example.net"];
const LOCALES: &[Option<&str>] = &[Some("en-US"), Some("fr-FR"), Some("de-DE"), None];
/// Area codes of a user's second and third phone numbers (the first is
/// always `555`).
const EXTRA_PHONE_AREAS: [&[&str]; 2] = [&["212", "310", "415"], &["503", "617", "646"]];

/// An OAuth provider seeded users sign in with.
struct Provider {
    name: &'static str,
    approved_scopes: &'static str,
    /// The provider's user id for `(word, user index)`, ending with the
    /// index in ten digits.
    user_id: fn(u64, u32) -> String,
    /// Whether the provider vouches for the email (`None`: unknown).
    email_verified: Option<bool>,
}

const PROVIDERS: &[Provider] = &[
    Provider {
        name: "oauth_google",
        approved_scopes: "email https://www.googleapis.com/auth/userinfo.email \
             https://www.googleapis.com/auth/userinfo.profile openid profile",
        // Google subjects are 21 decimal digits.
        user_id: |w, i| format!("1{:010}{i:010}", w % 10_000_000_000),
        email_verified: Some(true),
    },
    Provider {
        name: "oauth_github",
        approved_scopes: "read:user user:email",
        user_id: |w, i| format!("{}{i:010}", 1 + w % 9),
        email_verified: Some(true),
    },
    Provider {
        name: "oauth_microsoft",
        approved_scopes: "email offline_access openid profile User.Read",
        // An object id (a GUID) whose last group is the index.
        user_id: |w, i| {
            format!(
                "{:08x}-{:04x}-4{:03x}-a{:03x}-{i:012}",
                w as u32,
                (w >> 32) as u16,
                (w >> 48) as u16 & 0xFFF,
                (w >> 36) as u16 & 0xFFF
            )
        },
        email_verified: None,
    },
];

/// The user index at the end of a seeded provider user id.
fn provider_user_index(id: &str) -> Option<u32> {
    let tail = id.get(id.len().checked_sub(10)?..)?;
    if tail.bytes().all(|b| b.is_ascii_digit()) {
        tail.parse().ok()
    } else {
        None
    }
}

/// The read routes (the writes are `writes::routes`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/users", get(list))
        .route("/v1/users/count", get(count))
        .route("/v1/users/{user_id}", get(get_one))
}

/// The Backend API operations `routes` serves (paths relative to `/v1`,
/// parameter names the spec's), for the coverage list.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/users", Served),
    op("POST", "/users", Served),
    op("GET", "/users/count", Served),
    op("GET", "/users/{user_id}", Served),
    op("PATCH", "/users/{user_id}", Served),
    op("DELETE", "/users/{user_id}", Served),
    op("POST", "/users/{user_id}/ban", Served),
    op("POST", "/users/{user_id}/unban", Served),
    op("POST", "/users/{user_id}/lock", Served),
    op("POST", "/users/{user_id}/unlock", Served),
    op("PATCH", "/users/{user_id}/metadata", Served),
    op("PUT", "/users/{user_id}/metadata", Served),
];

/// The lists `routes` serves that page by `limit`/`offset`, for the
/// paging property (`tests/paging_prop.rs`).
pub const PAGED_LISTS: &[PagedList] = &[paged("/v1/users?x=1")
    .array()
    .order_by(&[
        "created_at",
        "updated_at",
        "email_address",
        "web3wallet",
        "first_name",
        "last_name",
        "phone_number",
        "username",
        "last_active_at",
        "last_sign_in_at",
    ])
    .own_property()];

/// How the registry seeds this resource's table (its seeding reads nothing else).
pub const SEEDING: Option<Seeding> = seeding(seed_table, &[]);

fn seed_table(store: &mut Store, config: &Config) {
    store.insert(Users::seeded(config.seed, config.users));
}

/// `order_by` fields of `GET /users`, in the spec's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserField {
    CreatedAt,
    UpdatedAt,
    EmailAddress,
    Web3Wallet,
    FirstName,
    LastName,
    PhoneNumber,
    Username,
    LastActiveAt,
    LastSignInAt,
}

impl OrderField for UserField {
    const FIELDS: &'static [(&'static str, Self)] = &[
        ("created_at", Self::CreatedAt),
        ("updated_at", Self::UpdatedAt),
        ("email_address", Self::EmailAddress),
        ("web3wallet", Self::Web3Wallet),
        ("first_name", Self::FirstName),
        ("last_name", Self::LastName),
        ("phone_number", Self::PhoneNumber),
        ("username", Self::Username),
        ("last_active_at", Self::LastActiveAt),
        ("last_sign_in_at", Self::LastSignInAt),
    ];
}

pub const DEFAULT_ORDER: OrderBy<UserField> = OrderBy {
    field: UserField::CreatedAt,
    descending: true,
};

/// The seeded users of an instance.
#[derive(Debug)]
pub struct Users {
    seed: u64,
    timeline: Timeline,
    /// Users written since startup: seeded users (indexes `0..count()`)
    /// once changed, and created users (indexes `count()..`).
    writes: Writes<User>,
    /// Bumped on every write, so tables sorted by user fields (memberships)
    /// know when their cached orders went stale.
    version: u64,
}

crate::server::state::store_table!(Users, Users::seeded(0, 0));

/// The cheap scalar facts of one user, from which every field is derived.
#[derive(Debug, Clone, Copy)]
pub struct UserCore {
    pub index: u32,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_sign_in_at: Option<i64>,
    pub last_active_at: Option<i64>,
    pub first_name: Option<&'static str>,
    pub last_name: Option<&'static str>,
    pub has_username: bool,
    pub email_count: u8,
    pub email_domain: &'static str,
    /// 0 to 3; the first (the primary) is the one older seeds had.
    pub phone_count: u8,
    /// 0 to 2 external (OAuth) accounts.
    pub external_count: u8,
    pub has_external_id: bool,
    pub banned: bool,
    pub locked: bool,
    pub password_enabled: bool,
    pub totp_enabled: bool,
    pub backup_code_enabled: bool,
    pub has_image: bool,
    pub locale: Option<&'static str>,
    pub legal_accepted: bool,
    words: [u64; 4],
    /// Words of the `UserAccounts` stream: extra phones, external accounts
    /// and their provider user ids.
    accounts: [u64; 3],
}

impl Users {
    pub fn seeded(seed: u64, count: u32) -> Self {
        Self {
            seed,
            timeline: Timeline::new(START_MS, u64::from(count)),
            writes: Writes::new(count, UserField::FIELDS.len()),
            version: 1,
        }
    }

    /// Changes on every write (see `engine::table::VersionedCache`).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The number of seeded users.
    pub fn count(&self) -> u32 {
        self.writes.seeded_len()
    }

    /// A written (changed or created) user, if `index` is one.
    pub fn written(&self, index: u32) -> Option<&User> {
        self.writes.get(index)
    }

    /// The id of user `index`, live or not.
    pub fn id_of(&self, index: u32) -> String {
        match self.writes.get(index) {
            Some(user) => user.id.clone(),
            None => self.id(&self.core(index)),
        }
    }

    /// User `index` for writing: copied into the writes on first write.
    /// Every write invalidates the cached orders.
    pub fn edit(&mut self, index: u32) -> &mut User {
        self.version += 1;
        let user = match self.writes.take(index) {
            Some(user) => user,
            None => self.seeded_user(index),
        };
        self.writes.write(index, user)
    }

    /// Add a created user (built by the caller with `next_index`'s id).
    pub fn insert_created(&mut self, user: User) -> u32 {
        self.version += 1;
        self.writes.insert_created(user)
    }

    /// The index the next created user gets.
    pub fn next_index(&self) -> u32 {
        self.writes.len()
    }

    pub fn new_id(&self, index: u32, created_at: i64) -> String {
        ksuid(
            ID_PREFIX,
            self.seed,
            Stream::UserId,
            u64::from(index),
            created_at,
        )
    }

    pub fn new_identification_id(
        &self,
        stream: Stream,
        index: u32,
        slot: u64,
        created_at: i64,
    ) -> String {
        ksuid(
            "idn_",
            self.seed,
            stream,
            u64::from(index) * 4 + slot,
            created_at,
        )
    }

    /// A write set a `created_at` of its choosing.
    pub fn break_natural_order(&mut self) {
        self.version += 1;
        self.writes.break_natural_order();
    }

    pub fn delete(&mut self, index: u32) {
        self.version += 1;
        self.writes.delete(index);
    }

    pub fn core(&self, index: u32) -> UserCore {
        let w = |k: u64| mix(self.seed, Stream::User, u64::from(index), k);
        let x = |k: u64| mix(self.seed, Stream::UserAccounts, u64::from(index), k);
        let created_at = self.timeline.at(u64::from(index), w(0));
        let last_sign_in_at = (w(10) % 100 >= 15).then(|| between(created_at, NOW_MS, w(11)));
        let last_active_at = last_sign_in_at.map(|s| {
            let active = between(s, NOW_MS, w(12));
            active - active.rem_euclid(DAY_MS)
        });
        let updated_at =
            between(created_at, NOW_MS, w(13)).max(last_sign_in_at.unwrap_or(created_at));
        let totp_enabled = w(17) % 100 < 10;
        UserCore {
            index,
            created_at,
            updated_at,
            last_sign_in_at,
            last_active_at,
            first_name: (w(1) % 100 >= 3)
                .then(|| seed::FIRST_NAMES[pick(w(2), seed::FIRST_NAMES.len())]),
            last_name: (w(3) % 100 >= 3)
                .then(|| seed::LAST_NAMES[pick(w(4), seed::LAST_NAMES.len())]),
            has_username: w(5) % 100 >= 10,
            email_count: match w(6) % 100 {
                0..60 => 1,
                60..90 => 2,
                _ => 3,
            },
            email_domain: EMAIL_DOMAINS[pick(w(7), EMAIL_DOMAINS.len())],
            // Whether there is a phone at all still comes from the
            // original stream; how many more, from the newer one.
            phone_count: if w(8) % 100 < 40 {
                match x(0) % 100 {
                    0..60 => 1,
                    60..90 => 2,
                    _ => 3,
                }
            } else {
                0
            },
            external_count: match x(1) % 100 {
                0..45 => 0,
                45..85 => 1,
                _ => 2,
            },
            has_external_id: w(9) % 100 < 70,
            banned: w(14) % 100 < 2,
            locked: w(15) % 100 < 1,
            password_enabled: w(16) % 100 < 75,
            totp_enabled,
            backup_code_enabled: totp_enabled && w(17) % 2 == 0,
            has_image: w(22) % 100 < 20,
            locale: LOCALES[pick(w(18), LOCALES.len())],
            legal_accepted: w(21) % 2 == 0,
            words: [w(19), w(20), w(23), w(24)],
            accounts: [x(0), x(1), x(2)],
        }
    }

    pub fn id(&self, core: &UserCore) -> String {
        ksuid(
            ID_PREFIX,
            self.seed,
            Stream::UserId,
            u64::from(core.index),
            core.created_at,
        )
    }

    fn id_bytes(&self, core: &UserCore) -> [u8; 20] {
        ksuid_bytes(
            self.seed,
            Stream::UserId,
            u64::from(core.index),
            core.created_at,
        )
    }

    /// The index of the user with this id, if it exists.
    pub fn find(&self, id: &str) -> Option<u32> {
        let index =
            u32::try_from(seed::ksuid_index(ID_PREFIX, self.seed, Stream::UserId, id)?).ok()?;
        ((index as usize) < self.len() && self.writes.is_live(index) && self.id_of(index) == id)
            .then_some(index)
    }

    pub fn username(core: &UserCore) -> Option<String> {
        core.has_username.then(|| {
            let stem = match (core.first_name, core.last_name) {
                (Some(f), Some(l)) => format!("{f}_{l}"),
                (Some(n), None) | (None, Some(n)) => n.to_owned(),
                (None, None) => "user".to_owned(),
            };
            format!("{}{}", stem.to_lowercase(), core.index)
        })
    }

    /// Email addresses, primary first. Each slot has its own domain, and
    /// every local part ends with the index, so addresses are unique.
    pub fn emails(core: &UserCore) -> Vec<String> {
        let first = core.first_name.unwrap_or("user").to_lowercase();
        let last = core.last_name.unwrap_or("user").to_lowercase();
        let i = core.index;
        let all = [
            format!("{first}.{last}{i}@{}", core.email_domain),
            format!("{first}{i}@work.example.com"),
            format!("{last}.{i}@mail.example.net"),
        ];
        all.into_iter()
            .take(usize::from(core.email_count))
            .collect()
    }

    /// The primary phone number (the first of `phones`).
    pub fn phone(core: &UserCore) -> Option<String> {
        (core.phone_count > 0).then(|| format!("+1555{:07}", core.index))
    }

    /// Phone numbers, primary first. Every number is `+1`, an area code
    /// and the index in seven digits, and each slot draws its area code
    /// from its own list, so numbers are unique.
    pub fn phones(core: &UserCore) -> Vec<String> {
        let mut out: Vec<String> = Self::phone(core).into_iter().collect();
        for (slot, areas) in EXTRA_PHONE_AREAS
            .iter()
            .enumerate()
            .take(usize::from(core.phone_count).saturating_sub(1))
        {
            let area = areas[pick(seed::splitmix(core.accounts[0] ^ slot as u64), areas.len())];
            out.push(format!("+1{area}{:07}", core.index));
        }
        out
    }

    /// `(provider, provider_user_id)` of each external account, in
    /// creation order. Provider user ids end with the index in ten digits.
    pub fn external_identities(core: &UserCore) -> Vec<(&'static str, String)> {
        let word = core.accounts[1] >> 32;
        let first = match word % 100 {
            0..55 => 0,
            55..85 => 1,
            _ => 2,
        };
        let second =
            (first + 1 + pick(seed::splitmix(word), PROVIDERS.len() - 1)) % PROVIDERS.len();
        [first, second]
            .into_iter()
            .take(usize::from(core.external_count))
            .map(|p| {
                let w = seed::splitmix(core.accounts[2] ^ p as u64);
                (PROVIDERS[p].name, (PROVIDERS[p].user_id)(w, core.index))
            })
            .collect()
    }

    pub fn external_id(core: &UserCore) -> Option<String> {
        core.has_external_id
            .then(|| format!("ext_{:07}", core.index))
    }

    /// The full `User` object, as last written.
    pub fn user(&self, index: u32) -> User {
        match self.writes.get(index) {
            Some(user) => user.clone(),
            None => self.seeded_user(index),
        }
    }

    /// The seeded `User` object.
    fn seeded_user(&self, index: u32) -> User {
        let core = self.core(index);
        let id = self.id(&core);
        let i = u64::from(index);
        let mut email_addresses: Vec<EmailAddress> = Self::emails(&core)
            .into_iter()
            .enumerate()
            .map(|(slot, address)| {
                let slot_u = slot as u64;
                let created_at = core.created_at + slot as i64 * 1000;
                let verification =
                    if slot == 0 || mix(self.seed, Stream::EmailId, i, slot_u).is_multiple_of(2) {
                        Verification::otp("verified", "email_code", Some(1), created_at)
                    } else if slot == 1 {
                        Verification::admin()
                    } else {
                        Verification::otp("unverified", "email_code", Some(0), created_at)
                    };
                EmailAddress {
                    id: ksuid(
                        "idn_",
                        self.seed,
                        Stream::EmailId,
                        i * 4 + slot_u,
                        created_at,
                    ),
                    object: "email_address",
                    email_address: address,
                    reserved: false,
                    verification: Some(verification),
                    linked_to: Vec::new(),
                    matches_sso_connection: false,
                    created_at,
                    updated_at: created_at,
                }
            })
            .collect();
        let phone_numbers = self.seeded_phones(&core);
        let external_accounts = self.seeded_external_accounts(&core, &mut email_addresses);
        let image_kind = if core.has_image {
            "uploaded"
        } else {
            "default"
        };
        let image_url = format!("https://img.clerk.com/{image_kind}/{id}.png");
        let [w_public, w_private, w_unsafe, w_mfa] = core.words;
        let mfa_enabled_at = core
            .totp_enabled
            .then(|| between(core.created_at, core.updated_at, w_mfa));
        User {
            object: "user",
            external_id: Self::external_id(&core),
            primary_email_address_id: email_addresses.first().map(|e| e.id.clone()),
            primary_phone_number_id: phone_numbers.first().map(|p| p.id.clone()),
            primary_web3_wallet_id: None,
            username: Self::username(&core),
            first_name: core.first_name.map(str::to_owned),
            last_name: core.last_name.map(str::to_owned),
            locale: core.locale.map(str::to_owned),
            profile_image_url: image_url.clone(),
            image_url,
            has_image: core.has_image,
            public_metadata: public_metadata(w_public),
            private_metadata: Some(private_metadata(w_private, index)),
            unsafe_metadata: unsafe_metadata(w_unsafe),
            email_addresses,
            phone_numbers,
            web3_wallets: Vec::new(),
            passkeys: Vec::new(),
            password_enabled: core.password_enabled,
            two_factor_enabled: core.totp_enabled,
            totp_enabled: core.totp_enabled,
            backup_code_enabled: core.backup_code_enabled,
            mfa_enabled_at,
            mfa_disabled_at: None,
            password_last_updated_at: core.password_enabled.then_some(core.created_at),
            external_accounts,
            saml_accounts: Vec::new(),
            enterprise_accounts: Vec::new(),
            last_sign_in_at: core.last_sign_in_at,
            banned: core.banned,
            locked: core.locked,
            deprovisioned: false,
            lockout_expires_in_seconds: core.locked.then_some(1800),
            verification_attempts_remaining: Some(if core.locked { 0 } else { 100 }),
            updated_at: core.updated_at,
            created_at: core.created_at,
            delete_self_enabled: true,
            create_organization_enabled: true,
            create_organizations_limit: None,
            last_active_at: core.last_active_at,
            legal_accepted_at: core.legal_accepted.then_some(core.created_at),
            bypass_client_trust: false,
            id,
        }
    }
}

impl Users {
    /// A word of the `UserAccounts` stream (salts 0-2 are in `UserCore`).
    fn accounts_word(&self, core: &UserCore, salt: u64) -> u64 {
        mix(self.seed, Stream::UserAccounts, u64::from(core.index), salt)
    }

    /// The seeded phone numbers, primary first. The first is as old as the
    /// user and verified; later ones were added before the user's last
    /// update and may still be unverified.
    fn seeded_phones(&self, core: &UserCore) -> Vec<PhoneNumber> {
        let i = u64::from(core.index);
        let mut added_at = core.created_at;
        Self::phones(core)
            .into_iter()
            .enumerate()
            .map(|(slot, number)| {
                let slot_u = slot as u64;
                let verified = slot == 0 || self.accounts_word(core, 10 + slot_u) % 100 < 70;
                if slot > 0 {
                    added_at = between(
                        added_at,
                        core.updated_at,
                        self.accounts_word(core, 20 + slot_u),
                    );
                }
                let verification = if verified {
                    Verification::otp("verified", "phone_code", Some(1), added_at)
                } else {
                    Verification::otp("unverified", "phone_code", Some(0), added_at)
                };
                PhoneNumber {
                    id: ksuid("idn_", self.seed, Stream::PhoneId, i * 4 + slot_u, added_at),
                    object: "phone_number",
                    phone_number: number,
                    reserved_for_second_factor: false,
                    default_second_factor: false,
                    reserved: false,
                    verification: Some(verification),
                    linked_to: Vec::new(),
                    backup_codes: None,
                    created_at: added_at,
                    updated_at: added_at,
                }
            })
            .collect()
    }

    /// The seeded external accounts. Each one shares an email address with
    /// the user, and that address lists it in `linked_to`, as in Clerk.
    fn seeded_external_accounts(
        &self,
        core: &UserCore,
        emails: &mut [EmailAddress],
    ) -> Vec<ExternalAccount> {
        let i = u64::from(core.index);
        // Half of the users with an external account signed up with it.
        let mut connected_at = if self.accounts_word(core, 30).is_multiple_of(2) {
            core.created_at
        } else {
            between(
                core.created_at,
                core.updated_at,
                self.accounts_word(core, 31),
            )
        };
        Self::external_identities(core)
            .into_iter()
            .enumerate()
            .filter_map(|(slot, (provider_name, provider_user_id))| {
                let provider = PROVIDERS.iter().find(|p| p.name == provider_name)?;
                let slot_u = slot as u64;
                let w = |k: u64| self.accounts_word(core, 40 + 10 * slot_u + k);
                if slot > 0 {
                    connected_at = between(connected_at, core.updated_at, w(0));
                }
                let created_at = connected_at;
                let updated_at = between(created_at, core.updated_at, w(1));
                let index = i * 2 + slot_u;
                let identification_id = ksuid(
                    "idn_",
                    self.seed,
                    Stream::ExternalIdentificationId,
                    index,
                    created_at,
                );
                // Google accounts use the primary address; others any.
                let email_slot = if provider.name == "oauth_google" {
                    0
                } else {
                    pick(w(2), emails.len().max(1))
                };
                let email = emails.get_mut(email_slot)?;
                email
                    .linked_to
                    .push(json!({ "type": provider.name, "id": identification_id }));
                let image_url = match provider.name {
                    "oauth_google" => Some(format!(
                        "https://lh3.googleusercontent.com/a/ACg8oc{:016x}=s96-c",
                        w(3)
                    )),
                    "oauth_github" => Some(format!(
                        "https://avatars.githubusercontent.com/u/{provider_user_id}?v=4"
                    )),
                    _ => None,
                };
                Some(ExternalAccount {
                    object: "external_account",
                    id: ksuid(
                        "eac_",
                        self.seed,
                        Stream::ExternalAccountId,
                        index,
                        created_at,
                    ),
                    provider: provider.name.to_owned(),
                    identification_id,
                    provider_user_id,
                    approved_scopes: provider.approved_scopes.to_owned(),
                    email_address: email.email_address.clone(),
                    email_address_verified: provider.email_verified,
                    first_name: core.first_name.unwrap_or_default().to_owned(),
                    last_name: core.last_name.unwrap_or_default().to_owned(),
                    avatar_url: image_url.clone().unwrap_or_default(),
                    image_url,
                    username: (provider.name == "oauth_github")
                        .then(|| Self::username(core))
                        .flatten(),
                    phone_number: None,
                    public_metadata: json!({}),
                    label: None,
                    created_at,
                    updated_at,
                    verification: Some(OAuthVerification {
                        object: "verification_oauth",
                        status: "verified",
                        strategy: provider.name,
                        attempts: None,
                        expire_at: created_at + 600_000,
                    }),
                })
            })
            .collect()
    }
}

fn public_metadata(word: u64) -> Value {
    match word % 4 {
        0 => json!({}),
        1 => json!({ "plan": "free" }),
        2 => json!({ "plan": "pro", "seats": 1 + word % 20 }),
        _ => json!({ "plan": "enterprise", "beta_features": ["sso", "audit_log"] }),
    }
}

fn private_metadata(word: u64, index: u32) -> Value {
    if word.is_multiple_of(3) {
        json!({})
    } else {
        json!({ "stripe_customer_id": format!("cus_{:014x}", word >> 8), "crm_rank": index })
    }
}

fn unsafe_metadata(word: u64) -> Value {
    match word % 3 {
        0 => json!({}),
        1 => json!({ "theme": "dark" }),
        _ => json!({ "theme": "light", "onboarding_complete": word.is_multiple_of(2) }),
    }
}

impl Users {
    /// The index of user `user_id`, or Clerk's 404 naming it.
    pub fn existing(&self, user_id: String) -> ApiResult<u32> {
        self.find(&user_id).ok_or(ApiError::NotFound {
            kind: "user",
            id: user_id,
        })
    }
}

impl Table for Users {
    type Field = UserField;

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

    fn natural_field(&self) -> UserField {
        UserField::CreatedAt
    }

    fn sort_key(&self, field: UserField, index: u32) -> SortKey {
        if let Some(user) = self.writes.get(index) {
            return written_sort_key(user, field);
        }
        let core = self.core(index);
        let value = match field {
            UserField::CreatedAt => KeyValue::Int(core.created_at),
            UserField::UpdatedAt => KeyValue::Int(core.updated_at),
            UserField::EmailAddress => Self::emails(&core).into_iter().next().into(),
            UserField::Web3Wallet => KeyValue::Null,
            UserField::FirstName => core.first_name.map(str::to_owned).into(),
            UserField::LastName => core.last_name.map(str::to_owned).into(),
            UserField::PhoneNumber => Self::phone(&core).into(),
            UserField::Username => Self::username(&core).into(),
            UserField::LastActiveAt => core.last_active_at.into(),
            UserField::LastSignInAt => core.last_sign_in_at.into(),
        };
        SortKey {
            value,
            id: self.id_bytes(&core),
        }
    }

    fn sort_cache(&self) -> &SortCache {
        self.writes.sort_cache()
    }
}

/// The value of `field` for a written user, read from its object.
fn written_sort_key(user: &User, field: UserField) -> SortKey {
    let value = match field {
        UserField::CreatedAt => KeyValue::Int(user.created_at),
        UserField::UpdatedAt => KeyValue::Int(user.updated_at),
        UserField::EmailAddress => user.primary_email().map(str::to_owned).into(),
        UserField::Web3Wallet => KeyValue::Null,
        UserField::FirstName => user.first_name.clone().into(),
        UserField::LastName => user.last_name.clone().into(),
        UserField::PhoneNumber => user.primary_phone().map(str::to_owned).into(),
        UserField::Username => user.username.clone().into(),
        UserField::LastActiveAt => user.last_active_at.into(),
        UserField::LastSignInAt => user.last_sign_in_at.into(),
    };
    SortKey::written(value, &user.id, ID_PREFIX)
}

/// An identifier a user can hold only if no other live user holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identifier {
    EmailAddress,
    PhoneNumber,
    Username,
}

/// The live user holding `value` as an identifier of this kind, if any
/// (emails and usernames compare case-insensitively).
pub fn holder_of(store: &Store, kind: Identifier, value: &str) -> Option<u32> {
    let mut filter = UserFilter::default();
    match kind {
        Identifier::EmailAddress => filter.email_address = vec![value.to_lowercase()],
        Identifier::PhoneNumber => filter.phone_number = vec![value.to_owned()],
        Identifier::Username => filter.username = vec![value.to_lowercase()],
    }
    let paging = crate::engine::params::Paging {
        limit: 1,
        offset: 0,
    };
    table::select(
        store.table::<Users>(),
        DEFAULT_ORDER,
        filter.selection(store),
        paging,
    )
    .indexes
    .first()
    .copied()
}

/// The ids of the organizations user `index` belongs to.
fn organization_ids(store: &Store, index: u32) -> Vec<String> {
    store
        .table::<Memberships>()
        .organizations_of(index)
        .into_iter()
        .map(|o| store.table::<Organizations>().id_of(o))
        .collect()
}

/// The filters `GET /users` and `GET /users/count` share.
#[derive(Debug, Default)]
pub struct UserFilter {
    user_id: IdFilter,
    email_address: Vec<String>,
    phone_number: Vec<String>,
    external_id: IdFilter,
    username: Vec<String>,
    web3_wallet: Vec<String>,
    organization_id: IdFilter,
    provider: Option<String>,
    provider_user_id: Vec<String>,
    query: Option<String>,
    email_address_query: Option<String>,
    phone_number_query: Option<String>,
    username_query: Option<String>,
    name_query: Option<String>,
    banned: Option<bool>,
    created_at_before: Option<i64>,
    created_at_after: Option<i64>,
    last_active_at_before: Option<i64>,
    last_active_at_after: Option<i64>,
    last_sign_in_at_before: Option<i64>,
    last_sign_in_at_after: Option<i64>,
}

fn lower(values: Vec<String>) -> Vec<String> {
    values.into_iter().map(|v| v.to_lowercase()).collect()
}

impl UserFilter {
    pub fn parse(q: &QueryParams) -> ApiResult<Self> {
        let text = |name: &str| q.string(name).map(str::to_lowercase);
        Ok(Self {
            user_id: q.id_filter("user_id")?,
            email_address: lower(q.strings("email_address")?),
            phone_number: q.strings("phone_number")?,
            external_id: q.id_filter("external_id")?,
            username: lower(q.strings("username")?),
            web3_wallet: q.strings("web3_wallet")?,
            organization_id: q.id_filter("organization_id")?,
            provider: q.string("provider").map(str::to_owned),
            provider_user_id: q.strings("provider_user_id")?,
            query: text("query"),
            email_address_query: text("email_address_query"),
            phone_number_query: text("phone_number_query"),
            username_query: text("username_query"),
            name_query: text("name_query"),
            banned: q.bool("banned")?,
            created_at_before: q.int("created_at_before")?,
            created_at_after: q.int("created_at_after")?,
            last_active_at_before: q.int("last_active_at_before")?,
            // `last_active_at_since` is the deprecated spelling of `_after`.
            last_active_at_after: match q.int("last_active_at_after")? {
                Some(v) => Some(v),
                None => q.int("last_active_at_since")?,
            },
            last_sign_in_at_before: q.int("last_sign_in_at_before")?,
            last_sign_in_at_after: q.int("last_sign_in_at_after")?,
        })
    }

    pub fn is_empty(&self) -> bool {
        !self.user_id.is_active()
            && self.email_address.is_empty()
            && self.phone_number.is_empty()
            && !self.external_id.is_active()
            && self.username.is_empty()
            && self.web3_wallet.is_empty()
            && !self.organization_id.is_active()
            && self.provider.is_none()
            && self.provider_user_id.is_empty()
            && self.query.is_none()
            && self.email_address_query.is_none()
            && self.phone_number_query.is_none()
            && self.username_query.is_none()
            && self.name_query.is_none()
            && self.banned.is_none()
            && self.created_at_before.is_none()
            && self.created_at_after.is_none()
            && self.last_active_at_before.is_none()
            && self.last_active_at_after.is_none()
            && self.last_sign_in_at_before.is_none()
            && self.last_sign_in_at_after.is_none()
    }

    /// The smallest candidate set an exact include-filter pins down, read
    /// from the index embedded in ids and identifiers.
    fn candidates(&self, users: &Users) -> Option<Vec<u32>> {
        let from_digits = |values: &[String]| -> Vec<u32> {
            values
                .iter()
                .filter_map(|v| {
                    let local = v.split('@').next().unwrap_or(v);
                    u32::try_from(seed::trailing_index(local)?).ok()
                })
                .collect()
        };
        let sets = [
            (!self.user_id.include.is_empty()).then(|| {
                self.user_id
                    .include
                    .iter()
                    .filter_map(|id| users.find(id))
                    .collect::<Vec<_>>()
            }),
            (!self.email_address.is_empty()).then(|| from_digits(&self.email_address)),
            (!self.username.is_empty()).then(|| from_digits(&self.username)),
            (!self.phone_number.is_empty()).then(|| {
                // `+1`, a three-digit area code, then the index.
                let numbers = self
                    .phone_number
                    .iter()
                    .filter_map(|p| p.strip_prefix("+1")?.get(3..));
                numbers
                    .filter_map(|n| u32::try_from(seed::trailing_index(n)?).ok())
                    .collect()
            }),
            (!self.external_id.include.is_empty()).then(|| from_digits(&self.external_id.include)),
            (!self.provider_user_id.is_empty()).then(|| {
                self.provider_user_id
                    .iter()
                    .filter_map(|id| provider_user_index(id))
                    .collect()
            }),
            // No seeded user has a web3 wallet.
            (!self.web3_wallet.is_empty()).then(Vec::new),
        ];
        // Written users may no longer carry their index in their
        // identifiers: they are always candidates (the filter decides).
        sets.into_iter()
            .flatten()
            .min_by_key(Vec::len)
            .map(|mut set| {
                set.extend(users.writes.iter().map(|(i, _)| i));
                set
            })
    }

    /// Whether user `index` passes every condition.
    pub fn matches(&self, store: &Store, index: u32) -> bool {
        let users = store.table::<Users>();
        if let Some(user) = users.written(index) {
            return self.matches_written(store, index, user);
        }
        let core = users.core(index);
        let before =
            |v: Option<i64>, bound: Option<i64>| bound.is_none_or(|b| v.is_some_and(|v| v < b));
        let after =
            |v: Option<i64>, bound: Option<i64>| bound.is_none_or(|b| v.is_some_and(|v| v > b));
        if self.banned.is_some_and(|b| b != core.banned)
            || !before(Some(core.created_at), self.created_at_before)
            || !after(Some(core.created_at), self.created_at_after)
            || !before(core.last_active_at, self.last_active_at_before)
            || !after(core.last_active_at, self.last_active_at_after)
            || !before(core.last_sign_in_at, self.last_sign_in_at_before)
            || !after(core.last_sign_in_at, self.last_sign_in_at_after)
            || !self.web3_wallet.is_empty()
        {
            return false;
        }
        if (self.provider.is_some() || !self.provider_user_id.is_empty())
            && !Users::external_identities(&core)
                .iter()
                .any(|(provider, id)| self.external_account_matches(provider, id))
        {
            return false;
        }
        if self.organization_id.is_active() {
            let org_ids = organization_ids(store, index);
            if !self
                .organization_id
                .matches_any(org_ids.iter().map(String::as_str))
            {
                return false;
            }
        }
        if self.external_id.is_active()
            && !self
                .external_id
                .matches(Users::external_id(&core).as_deref())
        {
            return false;
        }
        // Strings are only built for the filters that read them, so a scan
        // of a million users for `banned=true` allocates nothing.
        let needs_username =
            !self.username.is_empty() || self.username_query.is_some() || self.query.is_some();
        let needs_phone = !self.phone_number.is_empty()
            || self.phone_number_query.is_some()
            || self.query.is_some();
        let needs_emails = !self.email_address.is_empty()
            || self.email_address_query.is_some()
            || self.query.is_some();
        let username = if needs_username {
            Users::username(&core)
        } else {
            None
        };
        if !self.username.is_empty()
            && !username.as_ref().is_some_and(|u| self.username.contains(u))
        {
            return false;
        }
        let phones = if needs_phone {
            Users::phones(&core)
        } else {
            Vec::new()
        };
        if !self.phone_number.is_empty() && !phones.iter().any(|p| self.phone_number.contains(p)) {
            return false;
        }
        let emails = if needs_emails {
            Users::emails(&core)
        } else {
            Vec::new()
        };
        if !self.email_address.is_empty() && !emails.iter().any(|e| self.email_address.contains(e))
        {
            return false;
        }
        let contains = |hay: Option<&str>, needle: &str| {
            hay.is_some_and(|h| h.to_lowercase().contains(needle))
        };
        if let Some(q) = &self.email_address_query {
            if !emails.iter().any(|e| contains(Some(e), q)) {
                return false;
            }
        }
        if let Some(q) = &self.phone_number_query {
            if !phones.iter().any(|p| contains(Some(p), q)) {
                return false;
            }
        }
        if let Some(q) = &self.username_query {
            if !contains(username.as_deref(), q) {
                return false;
            }
        }
        let full_name = if self.name_query.is_some() || self.query.is_some() {
            match (core.first_name, core.last_name) {
                (Some(f), Some(l)) => Some(format!("{f} {l}")),
                (f, l) => f.or(l).map(str::to_owned),
            }
        } else {
            None
        };
        if let Some(q) = &self.name_query {
            if !contains(full_name.as_deref(), q) {
                return false;
            }
        }
        let id = (self.user_id.is_active() || self.query.is_some()).then(|| users.id(&core));
        if self.user_id.is_active() && !self.user_id.matches(id.as_deref()) {
            return false;
        }
        if let Some(q) = &self.query {
            // The spec: emails, phones, usernames, web3 wallets, user ids,
            // first and last names, partial matches allowed.
            let hit = emails.iter().any(|e| contains(Some(e), q))
                || phones.iter().any(|p| contains(Some(p), q))
                || contains(username.as_deref(), q)
                || contains(id.as_deref(), q)
                || contains(core.first_name, q)
                || contains(core.last_name, q)
                || contains(full_name.as_deref(), q);
            if !hit {
                return false;
            }
        }
        true
    }

    /// Whether an external account passes `provider` and
    /// `provider_user_id` (each when given).
    fn external_account_matches(&self, provider: &str, provider_user_id: &str) -> bool {
        self.provider.as_deref().is_none_or(|p| p == provider)
            && (self.provider_user_id.is_empty()
                || self
                    .provider_user_id
                    .iter()
                    .any(|id| id == provider_user_id))
    }

    /// `matches` for a written user, read from its object.
    fn matches_written(&self, store: &Store, index: u32, user: &User) -> bool {
        let before =
            |v: Option<i64>, bound: Option<i64>| bound.is_none_or(|b| v.is_some_and(|v| v < b));
        let after =
            |v: Option<i64>, bound: Option<i64>| bound.is_none_or(|b| v.is_some_and(|v| v > b));
        let lower_has = |hay: Option<&str>, needle: &str| {
            hay.is_some_and(|h| h.to_lowercase().contains(needle))
        };
        let emails: Vec<String> = user
            .email_addresses
            .iter()
            .map(|e| e.email_address.to_lowercase())
            .collect();
        let phones: Vec<&str> = user
            .phone_numbers
            .iter()
            .map(|p| p.phone_number.as_str())
            .collect();
        let username = user.username.as_deref().map(str::to_lowercase);
        let full_name = match (&user.first_name, &user.last_name) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (f, l) => f.clone().or_else(|| l.clone()),
        };
        let org_ids = organization_ids(store, index);
        let conditions = [
            self.banned.is_none_or(|b| b == user.banned),
            before(Some(user.created_at), self.created_at_before),
            after(Some(user.created_at), self.created_at_after),
            before(user.last_active_at, self.last_active_at_before),
            after(user.last_active_at, self.last_active_at_after),
            before(user.last_sign_in_at, self.last_sign_in_at_before),
            after(user.last_sign_in_at, self.last_sign_in_at_after),
            self.web3_wallet.is_empty(),
            (self.provider.is_none() && self.provider_user_id.is_empty())
                || user
                    .external_accounts
                    .iter()
                    .any(|a| self.external_account_matches(&a.provider, &a.provider_user_id)),
            !self.organization_id.is_active()
                || self
                    .organization_id
                    .matches_any(org_ids.iter().map(String::as_str)),
            !self.external_id.is_active() || self.external_id.matches(user.external_id.as_deref()),
            !self.user_id.is_active() || self.user_id.matches(Some(&user.id)),
            self.username.is_empty()
                || username.as_ref().is_some_and(|u| self.username.contains(u)),
            self.phone_number.is_empty()
                || phones
                    .iter()
                    .any(|p| self.phone_number.iter().any(|q| q == p)),
            self.email_address.is_empty() || emails.iter().any(|e| self.email_address.contains(e)),
            self.email_address_query
                .as_ref()
                .is_none_or(|q| emails.iter().any(|e| e.contains(q.as_str()))),
            self.phone_number_query
                .as_ref()
                .is_none_or(|q| phones.iter().any(|p| p.contains(q.as_str()))),
            self.username_query
                .as_ref()
                .is_none_or(|q| lower_has(username.as_deref(), q)),
            self.name_query
                .as_ref()
                .is_none_or(|q| lower_has(full_name.as_deref(), q)),
            self.query.as_ref().is_none_or(|q| {
                emails.iter().any(|e| e.contains(q.as_str()))
                    || phones.iter().any(|p| p.contains(q.as_str()))
                    || lower_has(username.as_deref(), q)
                    || lower_has(Some(&user.id), q)
                    || lower_has(user.first_name.as_deref(), q)
                    || lower_has(user.last_name.as_deref(), q)
                    || lower_has(full_name.as_deref(), q)
            }),
        ];
        conditions.iter().all(|&c| c)
    }

    fn selection<'a>(self, store: &'a Store) -> Selection<'a> {
        if self.is_empty() {
            return Selection::default();
        }
        Selection {
            candidates: self.candidates(store.table::<Users>()),
            filter: Some(Box::new(move |i| self.matches(store, i))),
            start: 0,
        }
    }
}

async fn list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Vec<User>>> {
    let q = QueryParams::parse(raw.as_deref());
    let paging = q.paging()?;
    let order = q.order_by(DEFAULT_ORDER)?;
    let filter = UserFilter::parse(&q)?;
    let starting_after = q.string("starting_after").map(str::to_owned);
    let store = state.store();
    let mut selection = filter.selection(&store);
    if let Some(cursor) = starting_after {
        selection.start = cursor_start(store.table::<Users>(), order, paging.offset, &cursor)?;
    }
    let Page { indexes, .. } = table::select(store.table::<Users>(), order, selection, paging);
    Ok(envelope::bare_array(
        indexes
            .into_iter()
            .map(|i| store.table::<Users>().user(i))
            .collect(),
    ))
}

/// Where a `starting_after` cursor resumes: only in `created_at` order and
/// with no offset (both 422 otherwise, as the spec says).
fn cursor_start(
    users: &Users,
    order: OrderBy<UserField>,
    offset: usize,
    cursor: &str,
) -> ApiResult<usize> {
    if order.field != UserField::CreatedAt {
        return Err(ApiError::ParamValue {
            param: "starting_after",
            reason: "can only be used when ordering by created_at".into(),
        });
    }
    if offset != 0 {
        return Err(ApiError::ParamValue {
            param: "starting_after",
            reason: "cannot be combined with offset".into(),
        });
    }
    let index = users.find(cursor).ok_or_else(|| ApiError::ParamValue {
        param: "starting_after",
        reason: "must be the id of an existing user".into(),
    })?;
    // In created_at order a user's position is its index (or its mirror)
    // unless a write chose a created_at; the view knows either way.
    let position = table::position_of(users, order, index).ok_or(ApiError::Internal)?;
    Ok(position + 1)
}

async fn count(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Json<Value>> {
    let q = QueryParams::parse(raw.as_deref());
    let filter = UserFilter::parse(&q)?;
    let store = state.store();
    let selection = filter.selection(&store);
    let paging = crate::engine::params::Paging {
        limit: 0,
        offset: 0,
    };
    let page = table::select(store.table::<Users>(), DEFAULT_ORDER, selection, paging);
    Ok(envelope::total_count(page.total))
}

async fn get_one(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
) -> ApiResult<Json<User>> {
    let store = state.store();
    let index = store.table::<Users>().existing(user_id)?;
    Ok(Json(store.table::<Users>().user(index)))
}

/// Schema `User`. Nullable fields the spec requires serialise as `null`.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: String,
    pub object: &'static str,
    pub external_id: Option<String>,
    pub primary_email_address_id: Option<String>,
    pub primary_phone_number_id: Option<String>,
    pub primary_web3_wallet_id: Option<String>,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub locale: Option<String>,
    pub profile_image_url: String,
    pub image_url: String,
    pub has_image: bool,
    pub public_metadata: Value,
    pub private_metadata: Option<Value>,
    pub unsafe_metadata: Value,
    pub email_addresses: Vec<EmailAddress>,
    pub phone_numbers: Vec<PhoneNumber>,
    pub web3_wallets: Vec<Value>,
    pub passkeys: Vec<Value>,
    pub password_enabled: bool,
    pub two_factor_enabled: bool,
    pub totp_enabled: bool,
    pub backup_code_enabled: bool,
    pub mfa_enabled_at: Option<i64>,
    pub mfa_disabled_at: Option<i64>,
    pub password_last_updated_at: Option<i64>,
    pub external_accounts: Vec<ExternalAccount>,
    pub saml_accounts: Vec<Value>,
    pub enterprise_accounts: Vec<Value>,
    pub last_sign_in_at: Option<i64>,
    pub banned: bool,
    pub locked: bool,
    pub deprovisioned: bool,
    pub lockout_expires_in_seconds: Option<i64>,
    pub verification_attempts_remaining: Option<i64>,
    pub updated_at: i64,
    pub created_at: i64,
    pub delete_self_enabled: bool,
    pub create_organization_enabled: bool,
    pub create_organizations_limit: Option<i64>,
    pub last_active_at: Option<i64>,
    pub legal_accepted_at: Option<i64>,
    pub bypass_client_trust: bool,
}

impl User {
    pub fn primary_email(&self) -> Option<&str> {
        let id = self.primary_email_address_id.as_deref()?;
        self.email_addresses
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.email_address.as_str())
    }

    pub fn primary_phone(&self) -> Option<&str> {
        let id = self.primary_phone_number_id.as_deref()?;
        self.phone_numbers
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.phone_number.as_str())
    }
}

/// Schema `EmailAddress`.
#[derive(Debug, Clone, Serialize)]
pub struct EmailAddress {
    pub id: String,
    pub object: &'static str,
    pub email_address: String,
    pub reserved: bool,
    pub verification: Option<Verification>,
    pub linked_to: Vec<Value>,
    pub matches_sso_connection: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Schema `ExternalAccountWithVerification`.
#[derive(Debug, Clone, Serialize)]
pub struct ExternalAccount {
    pub object: &'static str,
    pub id: String,
    pub provider: String,
    pub identification_id: String,
    pub provider_user_id: String,
    pub approved_scopes: String,
    pub email_address: String,
    pub email_address_verified: Option<bool>,
    pub first_name: String,
    pub last_name: String,
    /// Deprecated in the spec in favour of `image_url`, still sent.
    pub avatar_url: String,
    pub image_url: Option<String>,
    pub username: Option<String>,
    pub phone_number: Option<String>,
    pub public_metadata: Value,
    pub label: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub verification: Option<OAuthVerification>,
}

/// Schema `verification_oauth`.
#[derive(Debug, Clone, Serialize)]
pub struct OAuthVerification {
    pub object: &'static str,
    pub status: &'static str,
    pub strategy: &'static str,
    pub attempts: Option<i64>,
    pub expire_at: i64,
}

/// Schema `PhoneNumber`.
#[derive(Debug, Clone, Serialize)]
pub struct PhoneNumber {
    pub id: String,
    pub object: &'static str,
    pub phone_number: String,
    pub reserved_for_second_factor: bool,
    pub default_second_factor: bool,
    pub reserved: bool,
    pub verification: Option<Verification>,
    pub linked_to: Vec<Value>,
    pub backup_codes: Option<Vec<String>>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Schemas `verification_otp` and `verification_admin` (the variants the
/// seeded data uses); `object` is the discriminator.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub object: &'static str,
    pub status: &'static str,
    pub strategy: &'static str,
    pub attempts: Option<i64>,
    pub expire_at: Option<i64>,
}

impl Verification {
    pub(crate) fn otp(
        status: &'static str,
        strategy: &'static str,
        attempts: Option<i64>,
        sent_at: i64,
    ) -> Self {
        // One-time codes expire ten minutes after they are sent.
        Self {
            object: "verification_otp",
            status,
            strategy,
            attempts,
            expire_at: Some(sent_at + 600_000),
        }
    }

    pub(crate) fn admin() -> Self {
        Self {
            object: "verification_admin",
            status: "verified",
            strategy: "admin",
            attempts: None,
            expire_at: None,
        }
    }
}
