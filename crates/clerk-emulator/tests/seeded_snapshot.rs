//! Pins the seeded data: for two seeds and sizes (the e2e suite's 1234
//! users and 57 organizations among them), every served `GET` of the
//! coverage list is read, each list walked to its end by `offset`, path
//! parameters filled with ids of objects read before, and the digest of all
//! the answers (path, status, body) must equal the one recorded when the
//! seeding was last meant to change. A refactoring of the seeding or of the
//! list engine must leave it alone; a change of the seeded data updates the
//! digests on purpose (set `SNAPSHOT_DUMP=/some/dir` to write the answers
//! to files and diff them against the previous build's).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::http::{Method, StatusCode};
use axum::Router;
use clerk_emulator::coverage::{Scope, Status};
use clerk_emulator::resources::{paged_lists, OPERATIONS};
use common::{bearer, send_unchecked};
use serde_json::Value;

/// The `object` types whose ids fill a path parameter.
fn objects_for(param: &str) -> &'static [&'static str] {
    match param {
        "user_id" => &["user"],
        "organization_id" => &["organization"],
        "apiKeyID" => &["api_key"],
        "statementID" => &["commerce_statement", "billing_statement"],
        "client_id" => &["client"],
        "directory_id" | "scim_directory_id" => &["directory", "scim_directory"],
        "email_address_id" => &["email_address"],
        "phone_number_id" => &["phone_number"],
        "template_id" => &["jwt_template"],
        "machine_id" => &["machine"],
        "oauth_application_id" => &["oauth_application"],
        "permission_id" => &["permission"],
        "organization_role_id" => &["role"],
        "role_set_key_or_id" => &["role_set"],
        "saml_connection_id" => &["saml_connection"],
        "session_id" => &["session"],
        "invitation_id" => &["organization_invitation"],
        "enterprise_connection_id" => &["enterprise_connection"],
        _ => &[],
    }
}

/// FNV-1a, 64 bits: a digest that no toolchain update changes.
fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[derive(Default)]
struct Snapshot {
    /// Ids seen so far per `object` type, in the order first seen.
    ids: BTreeMap<String, Vec<String>>,
    /// Template slugs seen (`/templates/{template_type}/{slug}`).
    slugs: Vec<String>,
    dump: String,
    requests: usize,
}

impl Snapshot {
    fn collect(&mut self, value: &Value) {
        match value {
            Value::Array(items) => items.iter().for_each(|v| self.collect(v)),
            Value::Object(map) => {
                if let (Some(Value::String(object)), Some(Value::String(id))) =
                    (map.get("object"), map.get("id"))
                {
                    let ids = self.ids.entry(object.clone()).or_default();
                    if !ids.contains(id) {
                        ids.push(id.clone());
                    }
                    if object == "template" {
                        if let Some(Value::String(slug)) = map.get("slug") {
                            if !self.slugs.contains(slug) {
                                self.slugs.push(slug.clone());
                            }
                        }
                    }
                }
                map.values().for_each(|v| self.collect(v));
            }
            _ => {}
        }
    }

    async fn read(&mut self, app: &Router, uri: &str) -> (StatusCode, Option<Value>) {
        let reply = send_unchecked(app, Method::GET, uri, Some(&bearer()), None).await;
        self.requests += 1;
        writeln!(self.dump, "GET {uri} {}\n{}", reply.status, reply.text).unwrap();
        let json = serde_json::from_str::<Value>(&reply.text).ok();
        if let Some(json) = &json {
            self.collect(json);
        }
        (reply.status, json)
    }

    /// Read `path`; when it answers a list, walk it to the end by offset.
    async fn read_all(&mut self, app: &Router, path: &str) {
        let (status, json) = self.read(app, path).await;
        let Some(json) = json.filter(|_| status == StatusCode::OK) else {
            return;
        };
        let listed = |page: &Value| match page {
            Value::Array(items) => Some(items.len()),
            Value::Object(map) if map.contains_key("total_count") => map
                .values()
                .find_map(|v| v.as_array().map(Vec::len))
                .or(Some(0)),
            _ => None,
        };
        if listed(&json).is_none() {
            return;
        }
        let limit = 100;
        let mut offset = 0;
        let glue = if path.contains('?') { '&' } else { '?' };
        loop {
            let uri = format!("{path}{glue}limit={limit}&offset={offset}");
            let (status, page) = self.read(app, &uri).await;
            match page.as_ref().and_then(listed) {
                Some(n) if status == StatusCode::OK && n == limit => offset += limit,
                _ => return,
            }
        }
    }

    /// The values to try for a path parameter.
    fn candidates(&self, path: &str, param: &str) -> Vec<String> {
        let first = |object: &str| -> Vec<String> {
            self.ids
                .get(object)
                .into_iter()
                .flatten()
                .take(3)
                .cloned()
                .collect()
        };
        match param {
            "id" if path.starts_with("/redirect_urls") => first("redirect_url"),
            // A sign-up's id is its user's with `sua_` for `user_`.
            "id" if path.starts_with("/sign_ups") => first("user")
                .iter()
                .map(|id| id.replacen("user_", "sua_", 1))
                .collect(),
            "template_type" => vec!["email".into(), "sms".into()],
            "slug" => self.slugs.iter().take(3).cloned().collect(),
            "provider" => vec!["oauth_google".into(), "oauth_github".into()],
            _ => objects_for(param)
                .iter()
                .flat_map(|object| self.ids.get(*object).into_iter().flatten())
                .take(3)
                .cloned()
                .collect(),
        }
    }
}

async fn snapshot(users: u32, organizations: u32, seed: u64) -> Snapshot {
    let app = common::app(users, organizations, seed);
    let mut snap = Snapshot::default();
    let gets: Vec<&str> = OPERATIONS
        .iter()
        .filter(|o| o.method == "GET" && o.status == Status::Served)
        .map(|o| o.path)
        .collect();
    // Lists of the instance first, so their ids can fill the rest.
    for path in gets.iter().filter(|p| !p.contains('{')) {
        snap.read_all(&app, &format!("/v1{path}")).await;
    }
    // Lists scoped to a subject, with the first subjects read.
    for list in paged_lists() {
        let subjects = match list.scope {
            None => continue,
            Some(Scope::UserOrOrganization) => [
                snap.candidates("", "user_id"),
                snap.candidates("", "organization_id"),
            ]
            .concat(),
            Some(Scope::Machine) => snap.candidates("", "machine_id"),
        };
        let base = list.path.split('?').next().unwrap_or(list.path);
        for subject in subjects {
            snap.read_all(&app, &format!("{base}?subject={subject}"))
                .await;
        }
    }
    for path in gets.iter().filter(|p| p.contains('{')) {
        let params: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .collect();
        let values: Vec<Vec<String>> = params.iter().map(|p| snap.candidates(path, p)).collect();
        let tries = values.iter().map(Vec::len).max().unwrap_or(0).max(1);
        for k in 0..tries {
            let mut uri = format!("/v1{path}");
            for (param, vals) in params.iter().zip(&values) {
                let value = vals
                    .get(k)
                    .or(vals.last())
                    .map_or("missing", String::as_str);
                uri = uri.replace(&format!("{{{param}}}"), value);
            }
            snap.read_all(&app, &uri).await;
        }
    }
    snap
}

async fn check(users: u32, organizations: u32, seed: u64, expected: u64) {
    let snap = snapshot(users, organizations, seed).await;
    if let Ok(dir) = std::env::var("SNAPSHOT_DUMP") {
        let file = format!("{dir}/seed{seed}_users{users}_orgs{organizations}.txt");
        std::fs::write(&file, &snap.dump).unwrap();
    }
    let digest = fnv1a(snap.dump.as_bytes(), 0xcbf2_9ce4_8422_2325);
    assert!(snap.requests > 200, "only {} requests", snap.requests);
    assert_eq!(
        digest,
        expected,
        "the seeded data changed (seed {seed}, {users} users, {organizations} organizations: \
         {} requests, {} bytes); if that was meant, update the digest",
        snap.requests,
        snap.dump.len()
    );
}

#[tokio::test]
async fn seeded_answers_match_the_recorded_digest_for_the_e2e_sizes() {
    check(1234, 57, 42, 18_373_833_218_825_796_990).await;
}

#[tokio::test]
async fn seeded_answers_match_the_recorded_digest_for_another_seed() {
    check(300, 20, 7, 9_433_363_760_000_872_091).await;
}
