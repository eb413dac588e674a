//! Organizations and what hangs off them: memberships, invitations and
//! domains. Clerk's write paths for those three take the organization's id
//! too, so their row ids are composite (`org_.../<member or object id>`).

use super::*;

pub(crate) const ORGANIZATIONS: ObjectSpec = ObjectSpec {
    table: "organizations",
    object: "organizations",
    noun: "organization",
    rows: Rows::Items,
    endpoints: &[
        one(
            "/organizations/{organization_id}",
            &[id_bind("id", "organization_id", "org_...")],
        ),
        // The path also accepts a slug; the answer's slug is re-checked.
        one(
            "/organizations/{organization_id}",
            &[Bind { exact: false, ..id_bind("slug", "organization_id", "acme") }],
        ),
        Endpoint {
            path: "/organizations",
            binds: &[],
            shape: Shape::Paged { envelope: Envelope::DataTotalCount, page_size_max: 500 },
            fixed_query: &[],
            filters: &[
                ids("id", "organization_id"),
                // `query` matches the id exactly and name/slug partially: a
                // superset.
                search("slug", "query"),
                search("name", "query"),
            ],
            order_by: &[
                total_order("created_at", "created_at"),
                partial_order("name", "name"),
                total_order("members_count", "members_count"),
            ],
            default_order: Some("-created_at"),
            sorted_windows: &[],
        },
    ],
    columns: &[
        col("id", ColType::Text, false, "organization id (`org_...`)"),
        col("name", ColType::Text, false, "name"),
        col("slug", ColType::Text, false, "unique slug"),
        col("image_url", ColType::Text, true, "logo url"),
        col("has_image", ColType::Bool, false, "whether a logo was uploaded"),
        ColumnSpec {
            name: "members_count",
            ty: ColType::I32,
            source: Source::Key("members_count"),
            nullable: false,
            needs_param: Some(("include_members_count", "true")),
            doc: "number of members",
        },
        col("max_allowed_memberships", ColType::I32, false, "membership limit (0 = unlimited)"),
        col("admin_delete_enabled", ColType::Bool, false, "whether admins may delete it"),
        col("created_by", ColType::Text, true, "id of the user who created it"),
        col("public_metadata", ColType::Jsonb, false, "public metadata"),
        col("private_metadata", ColType::Jsonb, true, "private metadata"),
        col("created_at", ColType::Timestamptz, false, "creation time"),
        col("updated_at", ColType::Timestamptz, false, "last update time"),
        col("missing_member_with_elevated_permissions", ColType::Bool, true, "missing member with elevated permissions"),
        col("pending_invitations_count", ColType::I64, true, "pending invitations count"),
        col("last_active_at", ColType::Timestamptz, true, "unix timestamp of last activity"),
        col("role_set_key", ColType::Text, true, "role set key"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/organizations", &[
            same("name"),
            same("slug"),
            same("max_allowed_memberships"),
            same("created_by"),
            same("public_metadata"),
            same("private_metadata"),
            same("created_at"),
            same("role_set_key"),
        ]),
        update: patch("/organizations/{organization_id}", &[
            same("name"),
            same("slug"),
            same("max_allowed_memberships"),
            same("admin_delete_enabled"),
            same("created_at"),
            same("role_set_key"),
        ]),
        delete: delete("/organizations/{organization_id}"),
        update_extra: &[Extra::Fields {
            method: Method::Patch,
            path: "/organizations/{organization_id}/metadata",
            fields: &[same("public_metadata"), same("private_metadata")],
        }],
    },
    doc: "Organizations of the Clerk instance.",
};

pub(crate) const ORGANIZATION_MEMBERSHIPS: ObjectSpec = ObjectSpec {
    table: "organization_memberships",
    object: "organization_memberships",
    noun: "organization membership",
    rows: Rows::Items,
    endpoints: &[
        Endpoint {
            path: "/organizations/{organization_id}/memberships",
            binds: &[path_bind("organization_id", "organization_id", "org_...")],
            shape: Shape::Paged { envelope: Envelope::DataTotalCount, page_size_max: 500 },
            fixed_query: &[],
            filters: &[
                ids("user_id", "user_id"),
                eq("role", "role"),
                // Usernames are normalised by Clerk: a superset.
                FilterSpec { exact: false, ..eq("username", "username") },
                contains("username", "username_query"),
            ],
            // The time windows and name orders of this endpoint apply to
            // the member (the user), not to the membership row: not pushed.
            order_by: &[],
            default_order: None,
            sorted_windows: &[],
        },
        Endpoint {
            path: "/users/{user_id}/organization_memberships",
            binds: &[path_bind("user_id", "user_id", "user_...")],
            ..list("/users/{user_id}/organization_memberships", Envelope::DataTotalCount)
        },
        list("/organization_memberships", Envelope::DataTotalCount),
    ],
    columns: &[
        col("id", ColType::Text, false, "membership id (`orgmem_...`)"),
        ColumnSpec {
            source: Source::Composite(&["/organization/id", "/public_user_data/user_id"]),
            ..col(
                "membership_key",
                ColType::Text,
                true,
                "`organization_id/user_id`: the row id updates and deletes address a membership by",
            )
        },
        ptr("organization_id", "/organization/id", ColType::Text, false, "id of the organization"),
        ptr("user_id", "/public_user_data/user_id", ColType::Text, true, "id of the member"),
        ptr("identifier", "/public_user_data/identifier", ColType::Text, true, "the member's primary identifier (email, phone or username)"),
        ptr("username", "/public_user_data/username", ColType::Text, true, "the member's username"),
        col("role", ColType::Text, false, "role"),
        col("role_name", ColType::Text, true, "role name"),
        col("permissions", ColType::Jsonb, false, "permissions"),
        col("public_metadata", ColType::Jsonb, false, "public metadata"),
        col("private_metadata", ColType::Jsonb, true, "metadata saved on the organization membership, accessible only from the Backend API"),
        col("organization", ColType::Jsonb, false, "organization"),
        col("public_user_data", ColType::Jsonb, true, "an organization membership with public user data populated"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of last update"),
        attrs(),
    ],
    rowid: Some("membership_key"),
    hidden: &[],
    writes: Writes {
        insert: post_into("/organizations/{organization_id}/memberships", "organization_id", &[
            same("user_id"),
            same("role"),
            same("public_metadata"),
            same("private_metadata"),
        ]),
        update: patch("/organizations/{organization_id}/memberships/{user_id}", &[same("role")]),
        delete: delete("/organizations/{organization_id}/memberships/{user_id}"),
        update_extra: &[Extra::Fields {
            method: Method::Patch,
            path: "/organizations/{organization_id}/memberships/{user_id}/metadata",
            fields: &[same("public_metadata"), same("private_metadata")],
        }],
    },
    doc: "Memberships of users in organizations: instance-wide, or per organization (`organization_id = ...`) or per user (`user_id = ...`).",
};

pub(crate) const ORGANIZATION_INVITATIONS: ObjectSpec = ObjectSpec {
    table: "organization_invitations",
    object: "organization_invitations",
    noun: "organization invitation",
    rows: Rows::Items,
    endpoints: &[
        Endpoint {
            path: "/organizations/{organization_id}/invitations",
            binds: &[path_bind("organization_id", "organization_id", "org_...")],
            shape: Shape::Paged { envelope: Envelope::DataTotalCount, page_size_max: 500 },
            fixed_query: &[],
            filters: &[
                eq1("status", "status"),
                // Clerk may normalise the address: a superset.
                FilterSpec { exact: false, ..eq1("email_address", "email_address") },
            ],
            order_by: &[
                partial_order("created_at", "created_at"),
                partial_order("email_address", "email_address"),
            ],
            default_order: Some("-created_at"),
            sorted_windows: &[],
        },
        Endpoint {
            path: "/organization_invitations",
            binds: &[],
            shape: Shape::Paged { envelope: Envelope::DataTotalCount, page_size_max: 500 },
            fixed_query: &[],
            filters: &[eq1("status", "status"), search("email_address", "query")],
            order_by: &[
                partial_order("created_at", "created_at"),
                partial_order("email_address", "email_address"),
            ],
            default_order: Some("-created_at"),
            sorted_windows: &[],
        },
    ],
    columns: &[
        col("id", ColType::Text, true, "invitation id (`orginv_...`)"),
        ColumnSpec {
            source: Source::Composite(&["/organization_id", "/id"]),
            ..col(
                "invitation_key",
                ColType::Text,
                true,
                "`organization_id/id`: the row id a delete (revoke) addresses an invitation by",
            )
        },
        col("email_address", ColType::Text, true, "email address"),
        col("role", ColType::Text, true, "role"),
        col("role_name", ColType::Text, true, "role name"),
        col("organization_id", ColType::Text, true, "organization id"),
        col("inviter_id", ColType::Text, true, "inviter id"),
        col("public_inviter_data", ColType::Jsonb, true, "an organization inviter's public user data"),
        col("status", ColType::Text, true, "status"),
        col("public_metadata", ColType::Jsonb, true, "public metadata"),
        col("private_metadata", ColType::Jsonb, true, "private metadata"),
        col("url", ColType::Text, true, "url"),
        col("expires_at", ColType::Timestamptz, true, "unix timestamp of expiration"),
        col("created_at", ColType::Timestamptz, true, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, true, "unix timestamp of last update"),
        attrs(),
    ],
    rowid: Some("invitation_key"),
    hidden: &[],
    writes: Writes {
        insert: post_into("/organizations/{organization_id}/invitations", "organization_id", &[
            same("email_address"),
            same("role"),
            same("public_metadata"),
            same("private_metadata"),
        ]),
        update: None,
        // Only a pending invitation can be revoked; the row stays, revoked.
        delete: revoke("/organizations/{organization_id}/invitations/{invitation_id}/revoke"),
        update_extra: &[],
    },
    doc: "Invitations to organizations: instance-wide, or per organization (`organization_id = ...`). \
          The instance-wide list also carries `public_organization_data` in `attrs`, the per-organization one does not.",
};

pub(crate) const ORGANIZATION_DOMAINS: ObjectSpec = ObjectSpec {
    table: "organization_domains",
    object: "organization_domains",
    noun: "organization domain",
    rows: Rows::Items,
    endpoints: &[
        Endpoint {
            binds: &[path_bind("organization_id", "organization_id", "org_...")],
            filters: &[eq1("enrollment_mode", "enrollment_mode")],
            ..list("/organizations/{organization_id}/domains", Envelope::DataTotalCount)
        },
        Endpoint {
            filters: &[
                // A leading `-` excludes a mode.
                ids("enrollment_mode", "enrollment_mode"),
                eq("name", "domains"),
            ],
            order_by: &[total_order("created_at", "created_at"), partial_order("name", "name")],
            default_order: Some("-created_at"),
            ..list("/organization_domains", Envelope::DataTotalCount)
        },
    ],
    columns: &[
        col("id", ColType::Text, false, "domain id (`orgdmn_...`)"),
        ColumnSpec {
            source: Source::Composite(&["/organization_id", "/id"]),
            ..col(
                "domain_key",
                ColType::Text,
                true,
                "`organization_id/id`: the row id updates and deletes address a domain by",
            )
        },
        col("organization_id", ColType::Text, false, "unique identifier for the organization"),
        col("name", ColType::Text, false, "name of the organization domain"),
        col("enrollment_mode", ColType::Text, false, "mode of enrollment for the domain"),
        col("affiliation_email_address", ColType::Text, true, "affiliation email address for the domain, if available"),
        col("affiliation_verification", ColType::Jsonb, true, "affiliation verification"),
        col("ownership_verification", ColType::Jsonb, true, "ownership verification"),
        col("verification", ColType::Jsonb, true, "verification"),
        col("total_pending_invitations", ColType::I64, false, "total number of pending invitations associated with this domain"),
        col("total_pending_suggestions", ColType::I64, false, "total number of pending suggestions associated with this domain"),
        col("public_organization_data", ColType::Jsonb, true, "public organization data associated with this domain"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp when the domain was created"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of the last update to the domain"),
        attrs(),
    ],
    rowid: Some("domain_key"),
    hidden: &[],
    writes: Writes {
        insert: post_into("/organizations/{organization_id}/domains", "organization_id", &[
            same("name"),
            same("enrollment_mode"),
        ]),
        // The body's `verified` has no column (the verification objects
        // say it): set it through attrs.
        update: patch("/organizations/{organization_id}/domains/{domain_id}", &[same("enrollment_mode")]),
        delete: delete("/organizations/{organization_id}/domains/{domain_id}"),
        update_extra: &[],
    },
    doc: "Verified and pending domains of organizations: instance-wide, or per organization (`organization_id = ...`).",
};
