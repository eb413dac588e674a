//! The writes the wrapper addresses by `organization_id/id`, in process,
//! held to what the spec says of them: revoking an organization invitation
//! (`POST /organizations/{organization_id}/invitations/{invitation_id}/revoke`:
//! only a pending one, by an admin when `requesting_user_id` is given) and
//! updating and deleting an organization domain (`PATCH`/`DELETE
//! /organizations/{organization_id}/domains/{domain_id}`). An unknown
//! organization, an unknown id or an id of another organization is a 404.
//! Every response is also checked against the spec by `common::send`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use axum::Router;
use common::{app, assert_clerk_error, call, call_expect, get_ok};
use serde_json::{json, Value};

const OK: StatusCode = StatusCode::OK;

/// Every invitation of an organization.
async fn invitations_of(app: &Router, org: &str) -> Vec<Value> {
    get_ok(
        app,
        &format!("/v1/organizations/{org}/invitations?limit=500"),
    )
    .await["data"]
        .as_array()
        .unwrap()
        .clone()
}

/// The first member of `org` with `role`.
async fn member_with_role(app: &Router, org: &str, role: &str) -> Option<String> {
    let members = get_ok(
        app,
        &format!("/v1/organizations/{org}/memberships?role={role}&limit=1"),
    )
    .await;
    members["data"][0]["public_user_data"]["user_id"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test]
async fn revoking_an_organization_invitation_follows_the_spec() {
    let app = app(60, 6, 81);
    let orgs = get_ok(&app, "/v1/organizations?limit=10").await["data"]
        .as_array()
        .unwrap()
        .clone();
    // An organization with an admin and a plain member, and another one.
    let mut chosen = None;
    for org in &orgs {
        let id = org["id"].as_str().unwrap().to_owned();
        let admin = member_with_role(&app, &id, "org:admin").await;
        let member = member_with_role(&app, &id, "org:member").await;
        if let (Some(admin), Some(member)) = (admin, member) {
            chosen = Some((id, admin, member));
            break;
        }
    }
    let (org, admin, member) = chosen.expect("a seeded organization with an admin and a member");
    let other = orgs
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .find(|o| *o != org)
        .unwrap()
        .to_owned();
    let base = format!("/v1/organizations/{org}/invitations");
    let created = call_expect(
        &app,
        Method::POST,
        &base,
        Some(json!({ "email_address": "revoke.me@example.io", "role": "org:member" })),
        OK,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let revoke = format!("{base}/{id}/revoke");

    // 404s: the organization, the invitation, the invitation under another
    // organization, the requesting user.
    for (uri, body) in [
        (
            format!("/v1/organizations/org_nope/invitations/{id}/revoke"),
            json!({}),
        ),
        (format!("{base}/orginv_nope/revoke"), json!({})),
        (
            format!("/v1/organizations/{other}/invitations/{id}/revoke"),
            json!({}),
        ),
        (revoke.clone(), json!({ "requesting_user_id": "user_nope" })),
    ] {
        let reply = call(&app, Method::POST, &uri, Some(body.clone())).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{uri} {body}: {}",
            reply.text
        );
        assert_clerk_error(&reply.json(), "resource_not_found");
    }
    // "Must be an administrator in the organization."
    let reply = call(
        &app,
        Method::POST,
        &revoke,
        Some(json!({ "requesting_user_id": member })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    assert_clerk_error(&reply.json(), "not_an_admin_in_organization");
    // A body field the operation does not declare.
    let reply = call(&app, Method::POST, &revoke, Some(json!({ "reason": "x" }))).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_clerk_error(&reply.json(), "form_param_unknown");
    assert_eq!(
        get_ok(&app, &format!("{base}/{id}")).await["status"],
        "pending",
        "no refused revoke changed it"
    );

    let revoked = call_expect(
        &app,
        Method::POST,
        &revoke,
        Some(json!({ "requesting_user_id": admin })),
        OK,
    )
    .await;
    assert_eq!(revoked["status"], "revoked");
    assert!(revoked["url"].is_null());
    assert_eq!(
        get_ok(&app, &format!("{base}/{id}")).await,
        revoked,
        "reads see the revoke"
    );
    // Only pending invitations can be revoked: not twice, nor an accepted
    // or expired one.
    let again = call(&app, Method::POST, &revoke, Some(json!({}))).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_clerk_error(&again.json(), "organization_invitation_not_pending");
    let mut settled = 0;
    for o in &orgs {
        let o = o["id"].as_str().unwrap();
        for inv in invitations_of(&app, o)
            .await
            .iter()
            .filter(|i| i["status"] != "pending")
        {
            let uri = format!(
                "/v1/organizations/{o}/invitations/{}/revoke",
                inv["id"].as_str().unwrap()
            );
            let reply = call(&app, Method::POST, &uri, None).await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{} invitation: {}",
                inv["status"],
                reply.text
            );
            settled += 1;
        }
    }
    assert!(settled > 0, "the seed has invitations that are not pending");
    // The body is optional and `requesting_user_id` nullable.
    let second = call_expect(
        &app,
        Method::POST,
        &base,
        Some(json!({ "email_address": "revoke.me.too@example.io", "role": "org:member" })),
        OK,
    )
    .await;
    let uri = format!("{base}/{}/revoke", second["id"].as_str().unwrap());
    let revoked = call_expect(
        &app,
        Method::POST,
        &uri,
        Some(json!({ "requesting_user_id": null })),
        OK,
    )
    .await;
    assert_eq!(revoked["status"], "revoked");
}

#[tokio::test]
async fn updating_and_deleting_an_organization_domain_follow_the_spec() {
    // Every third organization has a seeded domain: 0 and 3 do.
    let app = app(40, 6, 82);
    let domains = get_ok(&app, "/v1/organization_domains?limit=500").await["data"]
        .as_array()
        .unwrap()
        .clone();
    assert!(domains.len() >= 2, "{}", domains.len());
    let (d, other) = (&domains[0], &domains[1]);
    let org = d["organization_id"].as_str().unwrap();
    let id = d["id"].as_str().unwrap();
    let other_org = other["organization_id"].as_str().unwrap();
    assert_ne!(org, other_org);
    let path = format!("/v1/organizations/{org}/domains/{id}");

    // 404s on both methods: the organization, the domain, the domain under
    // another organization.
    for uri in [
        format!("/v1/organizations/org_nope/domains/{id}"),
        format!("/v1/organizations/{org}/domains/orgdmn_nope"),
        format!("/v1/organizations/{other_org}/domains/{id}"),
    ] {
        for (method, body) in [
            (
                Method::PATCH,
                Some(json!({ "enrollment_mode": "manual_invitation" })),
            ),
            (Method::DELETE, None),
        ] {
            let reply = call(&app, method.clone(), &uri, body).await;
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{method} {uri}: {}",
                reply.text
            );
            assert_clerk_error(&reply.json(), "resource_not_found");
        }
    }
    // Body fields: the spec's enum of modes, a boolean `verified`, no
    // other field (a domain cannot be renamed).
    for (bad, code) in [
        (
            json!({ "enrollment_mode": "sometimes" }),
            "form_param_value_invalid",
        ),
        (json!({ "verified": "yes" }), "form_param_format_invalid"),
        (json!({ "name": "renamed.example" }), "form_param_unknown"),
    ] {
        let reply = call(&app, Method::PATCH, &path, Some(bad.clone())).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            reply.text
        );
        assert_clerk_error(&reply.json(), code);
    }
    assert_eq!(
        get_ok(&app, &format!("/v1/organizations/{org}/domains")).await["data"][0],
        *d,
        "unchanged"
    );

    let manual = call_expect(
        &app,
        Method::PATCH,
        &path,
        Some(json!({ "verified": true, "enrollment_mode": "manual_invitation" })),
        OK,
    )
    .await;
    assert_eq!(manual["enrollment_mode"], "manual_invitation");
    assert_eq!(manual["affiliation_verification"]["status"], "verified");
    let automatic = call_expect(
        &app,
        Method::PATCH,
        &path,
        Some(json!({ "enrollment_mode": "automatic_invitation" })),
        OK,
    )
    .await;
    assert_eq!(automatic["enrollment_mode"], "automatic_invitation");
    assert!(automatic["updated_at"].as_i64() >= manual["updated_at"].as_i64());
    let listed = get_ok(&app, &format!("/v1/organizations/{org}/domains")).await;
    assert_eq!(listed["data"][0], automatic, "reads see the update");
    // `null` leaves a field as it is (both are nullable).
    let same = call_expect(
        &app,
        Method::PATCH,
        &path,
        Some(json!({ "enrollment_mode": null, "verified": null })),
        OK,
    )
    .await;
    assert_eq!(same["enrollment_mode"], "automatic_invitation");

    let gone = call_expect(&app, Method::DELETE, &path, None, OK).await;
    assert_eq!(
        gone,
        json!({ "object": "organization_domain", "id": id, "deleted": true })
    );
    assert_eq!(
        get_ok(&app, &format!("/v1/organizations/{org}/domains")).await["total_count"],
        0
    );
    call_expect(&app, Method::DELETE, &path, None, StatusCode::NOT_FOUND).await;
    call_expect(
        &app,
        Method::PATCH,
        &path,
        Some(json!({ "verified": true })),
        StatusCode::NOT_FOUND,
    )
    .await;
    // The other organization's domain is untouched.
    assert_eq!(
        get_ok(&app, &format!("/v1/organizations/{other_org}/domains")).await["data"][0],
        *other
    );
}
