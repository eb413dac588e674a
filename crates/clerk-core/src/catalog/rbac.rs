//! Organization RBAC: roles, permissions and role sets.

use super::*;

/// `query` matches the id exactly and name/key partially: a superset for
/// either.
const NAME_KEY_SEARCH: &[FilterSpec] = &[search("name", "query"), search("key", "query")];

const NAME_KEY_ORDERS: &[OrderSpec] = &[
    total_order("created_at", "created_at"),
    partial_order("name", "name"),
    partial_order("key", "key"),
];

pub(crate) const ORGANIZATION_ROLES: ObjectSpec = ObjectSpec {
    table: "organization_roles",
    object: "organization_roles",
    noun: "organization role",
    rows: Rows::Items,
    endpoints: &[
        one(
            "/organization_roles/{organization_role_id}",
            &[id_bind("id", "organization_role_id", "role_...")],
        ),
        Endpoint {
            filters: NAME_KEY_SEARCH,
            order_by: NAME_KEY_ORDERS,
            default_order: Some("-created_at"),
            ..list("/organization_roles", Envelope::DataTotalCount)
        },
    ],
    columns: &[
        col("id", ColType::Text, false, "role id (`role_...`)"),
        col("name", ColType::Text, false, "name"),
        col("key", ColType::Text, false, "key"),
        col("description", ColType::Text, true, "description"),
        col("is_creator_eligible", ColType::Bool, false, "whether this role is eligible to be an organization creator role"),
        col("permissions", ColType::Jsonb, false, "permissions"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of last update"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/organization_roles", &[
            same("name"),
            same("key"),
            same("description"),
            same("permissions"),
        ]),
        update: patch("/organization_roles/{organization_role_id}", &[
            same("name"),
            same("key"),
            same("description"),
            same("permissions"),
        ]),
        delete: delete("/organization_roles/{organization_role_id}"),
        update_extra: &[],
    },
    doc: "Roles members can have in organizations (`org:admin`, custom roles), with their permissions.",
};

pub(crate) const ORGANIZATION_PERMISSIONS: ObjectSpec = ObjectSpec {
    table: "organization_permissions",
    object: "organization_permissions",
    noun: "organization permission",
    rows: Rows::Items,
    endpoints: &[
        one(
            "/organization_permissions/{permission_id}",
            &[id_bind("id", "permission_id", "perm_...")],
        ),
        Endpoint {
            filters: NAME_KEY_SEARCH,
            order_by: NAME_KEY_ORDERS,
            ..list("/organization_permissions", Envelope::DataTotalCount)
        },
    ],
    columns: &[
        col("id", ColType::Text, false, "permission id (`perm_...`)"),
        col("name", ColType::Text, false, "name"),
        col("key", ColType::Text, false, "key"),
        col("description", ColType::Text, false, "description"),
        col("type", ColType::Text, false, "type"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of last update"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/organization_permissions", &[
            same("name"),
            same("key"),
            same("description"),
        ]),
        update: patch("/organization_permissions/{permission_id}", &[
            same("name"),
            same("key"),
            same("description"),
        ]),
        delete: delete("/organization_permissions/{permission_id}"),
        update_extra: &[],
    },
    doc: "Permissions that organization roles grant (system and custom).",
};

pub(crate) const ROLE_SETS: ObjectSpec = ObjectSpec {
    table: "role_sets",
    object: "role_sets",
    noun: "role set",
    rows: Rows::Items,
    endpoints: &[
        one("/role_sets/{role_set_key_or_id}", &[id_bind("id", "role_set_key_or_id", "rs_...")]),
        // The path also accepts a key; the answer's key is re-checked.
        one(
            "/role_sets/{role_set_key_or_id}",
            &[Bind { exact: false, ..id_bind("key", "role_set_key_or_id", "role_set:default") }],
        ),
        Endpoint {
            filters: NAME_KEY_SEARCH,
            order_by: NAME_KEY_ORDERS,
            default_order: Some("-created_at"),
            ..list("/role_sets", Envelope::DataTotalCount)
        },
    ],
    columns: &[
        col("id", ColType::Text, false, "the unique identifier of the role set"),
        col("name", ColType::Text, false, "the name of the role set"),
        col("key", ColType::Text, false, "A unique key for the role set (e.g., 'role_set:default')"),
        col("description", ColType::Text, true, "optional description of the role set"),
        col("roles", ColType::Jsonb, false, "the list of roles in this role set"),
        col("default_role", ColType::Jsonb, true, "the default role assigned to new organization members"),
        col("creator_role", ColType::Jsonb, true, "the role assigned to the creator of an organization"),
        col("type", ColType::Text, false, "the type of the role set ('initial' or 'custom')"),
        col("role_set_migration", ColType::Jsonb, true, "active migration information, only present when status is 'enqueued' or 'in_progress'"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of role set creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of last role set update"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/role_sets", &[
            same("name"),
            same("key"),
            same("description"),
            same("roles"),
            same("type"),
        ]),
        update: patch("/role_sets/{role_set_key_or_id}", &[
            same("name"),
            same("key"),
            same("description"),
            same("type"),
        ]),
        delete: None,
        update_extra: &[],
    },
    doc: "Role sets: the roles an organization may assign, its default and creator roles.",
};
