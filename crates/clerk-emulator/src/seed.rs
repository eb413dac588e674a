//! Deterministic generation primitives: a seeded hash, an invertible
//! permutation, Clerk-style ids and the word lists the seeded objects are
//! built from.
//!
//! Every seeded object is a pure function of `(seed, index)`, so nothing has
//! to be stored per object and a million users cost no memory until asked
//! for. Ids are KSUIDs (27 base62 characters, like Clerk's): a 4-byte
//! timestamp, then the object's index run through a keyed Feistel
//! permutation, then a keyed check word. An id can therefore be turned back
//! into its index without a lookup table, and a forged id is rejected.

/// 2020-01-01T00:00:00Z in Unix milliseconds: the earliest seeded `created_at`.
pub const START_MS: i64 = 1_577_836_800_000;
/// 2026-05-01T00:00:00Z: the emulator's fixed "now". Seeded timestamps never
/// pass it, and the wall clock is never read, so output is reproducible.
pub const NOW_MS: i64 = 1_777_593_600_000;
/// One day in milliseconds (`last_active_at` has day precision in Clerk).
pub const DAY_MS: i64 = 86_400_000;

/// KSUID epoch (2014-05-13T16:53:20Z) in Unix seconds.
const KSUID_EPOCH_S: i64 = 1_400_000_000;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Length of a base62-encoded KSUID.
pub const KSUID_LEN: usize = 27;

/// Distinguishes the independent random streams drawn from one seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Stream {
    UserId = 1,
    User = 2,
    OrgId = 3,
    Org = 4,
    EmailId = 5,
    PhoneId = 6,
    Membership = 7,
    /// Memberships beyond a user's first organization.
    ExtraMembership = 8,
    MembershipData = 9,
    MembershipId = 10,
    OrgInvitation = 11,
    OrgInvitationId = 12,
    Invitation = 13,
    InvitationId = 14,
    PermissionId = 15,
    RoleId = 16,
    RoleSetId = 17,
    AllowlistId = 18,
    BlocklistId = 19,
    DomainId = 20,
    JwtTemplateId = 21,
    RedirectUrlId = 22,
    OAuthAppId = 23,
    SamlId = 24,
    EnterpriseId = 25,
    OrgDomain = 26,
    OrgDomainId = 27,
    Instance = 28,
    /// Email addresses and phone numbers added after a user was created.
    IdentificationId = 29,
    Session = 30,
    SessionId = 31,
    ClientId = 32,
    Waitlist = 33,
    WaitlistId = 34,
    MachineId = 35,
    Machine = 36,
    M2mTokenId = 37,
    ApiKeyId = 38,
    ApiKey = 39,
    Billing = 40,
    PayerId = 41,
    SubscriptionItemId = 42,
    SubscriptionId = 43,
    StatementId = 44,
    PaymentId = 45,
    PlanId = 46,
    /// Users' phone numbers beyond the first and their external accounts
    /// (added after the original streams, so older fields keep their values).
    UserAccounts = 47,
    ExternalAccountId = 48,
    /// The identifications behind external accounts.
    ExternalIdentificationId = 49,
    /// Email and SMS templates.
    TemplateId = 50,
    /// OAuth access tokens of external accounts.
    OAuthToken = 51,
    /// Directories (SCIM directories) and their group role mappings.
    DirectoryId = 52,
    Directory = 53,
    GroupRoleMappingId = 54,
    /// Users' trusted devices.
    TrustedDeviceId = 55,
    TrustedDevice = 56,
    /// Enterprise connection test runs.
    TestRunId = 57,
    TestRun = 58,
    /// The instance's signing key (JWKS).
    Jwks = 59,
    /// Sign-up attempts.
    SignUp = 60,
}

/// SplitMix64 finaliser: a fast, well-mixed 64-bit hash step.
pub fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A pseudo-random word for `(seed, stream, index, salt)`.
pub fn mix(seed: u64, stream: Stream, index: u64, salt: u64) -> u64 {
    splitmix(
        splitmix(splitmix(seed ^ ((stream as u64) << 56)) ^ index)
            ^ salt.wrapping_mul(0xA24B_AED4_963E_E407),
    )
}

/// Uniform-enough pick in `0..n` (n > 0) from a hash word.
pub fn pick(word: u64, n: usize) -> usize {
    // Multiply-shift avoids the modulo bias of small tables being visible.
    ((u128::from(word) * n as u128) >> 64) as usize
}

/// Keyed 4-round Feistel permutation of 64-bit values.
fn feistel(seed: u64, stream: Stream, x: u64) -> u64 {
    let (mut l, mut r) = ((x >> 32) as u32, x as u32);
    for round in 0..4u64 {
        let f = mix(seed, stream, u64::from(r), round) as u32;
        (l, r) = (r, l ^ f);
    }
    (u64::from(l) << 32) | u64::from(r)
}

fn feistel_inverse(seed: u64, stream: Stream, y: u64) -> u64 {
    let (mut l, mut r) = ((y >> 32) as u32, y as u32);
    for round in (0..4u64).rev() {
        let f = mix(seed, stream, u64::from(l), round) as u32;
        (l, r) = (r ^ f, l);
    }
    (u64::from(l) << 32) | u64::from(r)
}

/// The 20 raw bytes of the KSUID for object `index` of a stream.
pub fn ksuid_bytes(seed: u64, stream: Stream, index: u64, created_at_ms: i64) -> [u8; 20] {
    let secs =
        (created_at_ms.div_euclid(1000) - KSUID_EPOCH_S).clamp(0, i64::from(u32::MAX)) as u32;
    let mut out = [0u8; 20];
    out[..4].copy_from_slice(&secs.to_be_bytes());
    out[4..12].copy_from_slice(&feistel(seed, stream, index).to_be_bytes());
    out[12..].copy_from_slice(&mix(seed, stream, index, 0xC0FFEE).to_be_bytes());
    out
}

/// `prefix` + base62 KSUID, e.g. `user_2bQ...`.
pub fn ksuid(prefix: &str, seed: u64, stream: Stream, index: u64, created_at_ms: i64) -> String {
    let bytes = ksuid_bytes(seed, stream, index, created_at_ms);
    let mut s = String::with_capacity(prefix.len() + KSUID_LEN);
    s.push_str(prefix);
    s.push_str(&base62_encode(&bytes));
    s
}

/// The index an id was generated from, if `id` has the right prefix and a
/// well-formed payload. The caller must still regenerate the id and compare,
/// since the timestamp and check bytes are not verified here.
pub fn ksuid_index(prefix: &str, seed: u64, stream: Stream, id: &str) -> Option<u64> {
    let body = id.strip_prefix(prefix)?;
    let bytes = base62_decode(body)?;
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[4..12]);
    Some(feistel_inverse(seed, stream, u64::from_be_bytes(word)))
}

/// Fixed-width (27 characters) base62 of a 160-bit big-endian number.
fn base62_encode(bytes: &[u8; 20]) -> String {
    let mut limbs = [0u32; 5];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let mut b = [0u8; 4];
        b.copy_from_slice(&bytes[i * 4..i * 4 + 4]);
        *limb = u32::from_be_bytes(b);
    }
    let mut digits = [b'0'; KSUID_LEN];
    for slot in digits.iter_mut().rev() {
        let mut rem = 0u64;
        for limb in limbs.iter_mut() {
            let acc = (rem << 32) | u64::from(*limb);
            *limb = (acc / 62) as u32;
            rem = acc % 62;
        }
        *slot = BASE62[rem as usize];
    }
    digits.iter().map(|&d| d as char).collect()
}

pub fn base62_decode(s: &str) -> Option<[u8; 20]> {
    if s.len() != KSUID_LEN {
        return None;
    }
    let mut limbs = [0u32; 5];
    for c in s.bytes() {
        let digit = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'Z' => c - b'A' + 10,
            b'a'..=b'z' => c - b'a' + 36,
            _ => return None,
        };
        let mut carry = u64::from(digit);
        for limb in limbs.iter_mut().rev() {
            let acc = u64::from(*limb) * 62 + carry;
            *limb = acc as u32;
            carry = acc >> 32;
        }
        if carry != 0 {
            return None;
        }
    }
    let mut out = [0u8; 20];
    for (i, limb) in limbs.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&limb.to_be_bytes());
    }
    Some(out)
}

/// Strictly increasing creation times for `count` objects spread over
/// `[start, NOW_MS - 30 days)`: object `i` gets a time inside its own slot,
/// so `created_at` order is index order and no two objects tie.
#[derive(Debug, Clone, Copy)]
pub struct Timeline {
    start: i64,
    gap: i64,
}

impl Timeline {
    pub fn new(start: i64, count: u64) -> Self {
        let span = NOW_MS - 30 * DAY_MS - start;
        let gap = (span / i64::try_from(count.max(1)).unwrap_or(i64::MAX)).max(1);
        Self { start, gap }
    }

    pub fn at(&self, index: u64, word: u64) -> i64 {
        let jitter = (word % self.gap as u64) as i64;
        self.start + (index as i64).saturating_mul(self.gap) + jitter
    }
}

/// A time uniformly in `[from, to]` (inclusive), `from <= to`.
pub fn between(from: i64, to: i64, word: u64) -> i64 {
    if to <= from {
        return from;
    }
    from + (word % ((to - from) as u64 + 1)) as i64
}

/// Trailing ASCII digits of `s` as a number: the index embedded in seeded
/// usernames, email local parts, phone numbers, external ids and slugs.
pub fn trailing_index(s: &str) -> Option<u64> {
    let digits = s.len() - s.bytes().rev().take_while(u8::is_ascii_digit).count();
    s[digits..].parse().ok()
}

pub const FIRST_NAMES: &[&str] = &[
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "Edsger",
    "Radia",
    "Tim",
    "Hedy",
    "Donald",
    "Katherine",
    "John",
    "Sophie",
    "Bjarne",
    "Anita",
    "Guido",
    "Joan",
    "Niklaus",
    "Shafi",
    "Leslie",
    "Adele",
    "Vint",
    "Karen",
    "Bob",
    "Lynn",
    "Yukihiro",
    "Evelyn",
    "Rasmus",
    "Jean",
    "Larry",
    "Mary",
    "Brian",
    "Ida",
    "James",
    "Elena",
    "Noor",
    "Amara",
    "Kenji",
    "Priya",
    "Mateo",
    "Zofia",
    "Tariq",
    "Ingrid",
    "Chen",
    "Olga",
    "Diego",
];

pub const LAST_NAMES: &[&str] = &[
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Lee",
    "Lamarr",
    "Knuth",
    "Johnson",
    "McCarthy",
    "Wilson",
    "Stroustrup",
    "Borg",
    "Rossum",
    "Clarke",
    "Wirth",
    "Goldwasser",
    "Lamport",
    "Goldberg",
    "Cerf",
    "Jones",
    "Kahn",
    "Conway",
    "Matsumoto",
    "Berezin",
    "Lerdorf",
    "Sammet",
    "Wall",
    "Keller",
    "Kernighan",
    "Rhodes",
    "Gosling",
    "Petrova",
    "Haddad",
    "Okafor",
    "Tanaka",
    "Iyer",
    "Garcia",
    "Nowak",
    "Aziz",
    "Larsen",
    "Wei",
    "Ivanova",
    "Santos",
];

pub const ORG_ADJECTIVES: &[&str] = &[
    "Blue", "Bright", "Quiet", "Rapid", "Golden", "Silver", "Northern", "Crimson", "Clever",
    "Bold", "Green", "Hidden", "Lucky", "Modern", "Open", "Prime", "Solid", "True", "Urban",
    "Wild",
];

pub const ORG_NOUNS: &[&str] = &[
    "Harbor", "Falcon", "Summit", "River", "Forge", "Orbit", "Pine", "Signal", "Beacon", "Canyon",
    "Meadow", "Vertex", "Anchor", "Lantern", "Compass", "Delta", "Ember", "Grove", "Harvest",
    "Atlas",
];

pub const ORG_SUFFIXES: &[&str] = &[
    "Labs", "Inc", "Studio", "Systems", "Group", "Works", "Co", "Partners",
];

/// `prefix` + 32 lowercase hex digits (Clerk's `ak_`/`mt_` ids): the
/// permuted index and check word of the object's KSUID, without its time.
pub fn hex_id(prefix: &str, seed: u64, stream: Stream, index: u64) -> String {
    let bytes = ksuid_bytes(seed, stream, index, 0);
    let mut s = String::with_capacity(prefix.len() + 32);
    s.push_str(prefix);
    for b in &bytes[4..] {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The index a `hex_id` was made from (confirm by regenerating the id).
pub fn hex_index(prefix: &str, seed: u64, stream: Stream, id: &str) -> Option<u64> {
    let hex = id.strip_prefix(prefix)?;
    if hex.len() != 32 || !hex.is_ascii() {
        return None;
    }
    let word = u64::from_str_radix(&hex[..16], 16).ok()?;
    let index = feistel_inverse(seed, stream, word);
    (hex_id(prefix, seed, stream, index).eq_ignore_ascii_case(id)).then_some(index)
}

/// The emulated instance's id (`ins_...`), fixed by the seed.
pub fn instance_id(seed: u64) -> String {
    ksuid("ins_", seed, Stream::Instance, 0, START_MS - 30 * DAY_MS)
}

#[cfg(test)]
mod seed_tests {
    use super::*;

    #[test]
    fn hex_ids_round_trip_to_their_index() {
        for i in [0u64, 1, 77, 1_000_000] {
            let id = hex_id("ak_", 9, Stream::ApiKeyId, i);
            assert_eq!(id.len(), 35);
            assert_eq!(hex_index("ak_", 9, Stream::ApiKeyId, &id), Some(i));
            assert_eq!(hex_index("ak_", 10, Stream::ApiKeyId, &id), None);
        }
        assert_eq!(hex_index("ak_", 9, Stream::ApiKeyId, "ak_zz"), None);
    }

    #[test]
    fn feistel_round_trips() {
        for seed in [0u64, 1, 42, u64::MAX] {
            for x in [0u64, 1, 2, 999_999, u64::MAX] {
                assert_eq!(
                    feistel_inverse(seed, Stream::UserId, feistel(seed, Stream::UserId, x)),
                    x
                );
            }
        }
    }

    #[test]
    fn ksuid_is_27_base62_chars_and_decodes_to_its_index() {
        for i in [0u64, 7, 123_456] {
            let id = ksuid("user_", 9, Stream::UserId, i, START_MS + 5);
            assert_eq!(id.len(), 5 + KSUID_LEN);
            assert!(id[5..].bytes().all(|b| b.is_ascii_alphanumeric()));
            assert_eq!(ksuid_index("user_", 9, Stream::UserId, &id), Some(i));
        }
        assert_eq!(ksuid_index("user_", 9, Stream::UserId, "user_short"), None);
        assert_eq!(
            ksuid_index("user_", 9, Stream::UserId, "org_2bQ1234567890123456789012"),
            None
        );
    }

    #[test]
    fn base62_string_order_matches_byte_order() {
        let a = [0u8; 20];
        let mut b = [0u8; 20];
        b[19] = 1;
        let mut c = [0u8; 20];
        c[0] = 1;
        assert!(base62_encode(&a) < base62_encode(&b));
        assert!(base62_encode(&b) < base62_encode(&c));
        assert_eq!(base62_encode(&[0xFF; 20]).len(), KSUID_LEN);
        assert_eq!(base62_decode(&base62_encode(&[0xFF; 20])), Some([0xFF; 20]));
        // 62^27 exceeds 2^160: the largest base62 string overflows.
        assert_eq!(base62_decode("zzzzzzzzzzzzzzzzzzzzzzzzzzz"), None);
    }

    #[test]
    fn timeline_is_strictly_increasing() {
        let t = Timeline::new(START_MS, 1000);
        let mut last = i64::MIN;
        for i in 0..1000 {
            let at = t.at(i, splitmix(i));
            assert!(at > last);
            assert!(at < NOW_MS);
            last = at;
        }
    }

    #[test]
    fn trailing_index_reads_the_digit_suffix() {
        assert_eq!(trailing_index("ada_lovelace42"), Some(42));
        assert_eq!(trailing_index("ext_0000042"), Some(42));
        assert_eq!(trailing_index("nodigits"), None);
    }
}
