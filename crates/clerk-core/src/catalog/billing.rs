//! Billing: plans, subscription items, statements and payment attempts,
//! and the subscription of one user or organization. The `object` values
//! are Supabase's path-like spellings (`billing/plans`); the table names
//! work as well.

use super::*;

pub(crate) const BILLING_PLANS: ObjectSpec = ObjectSpec {
    table: "billing_plans",
    object: "billing/plans",
    noun: "billing plan",
    rows: Rows::Items,
    endpoints: &[list("/billing/plans", Envelope::DataTotalCount)],
    columns: &[
        col("id", ColType::Text, false, "unique identifier for the plan"),
        col("name", ColType::Text, false, "the name of the plan"),
        col("fee", ColType::Jsonb, true, "fee"),
        col("annual_monthly_fee", ColType::Jsonb, true, "annual monthly fee"),
        col("annual_fee", ColType::Jsonb, true, "annual fee"),
        col("description", ColType::Text, true, "the description of the plan"),
        col("product_id", ColType::Text, false, "the ID of the product this plan belongs to"),
        col("is_default", ColType::Bool, false, "whether this is the default plan"),
        col("is_recurring", ColType::Bool, false, "whether this is a recurring plan"),
        col("publicly_visible", ColType::Bool, false, "whether this plan is publicly visible"),
        col("has_base_fee", ColType::Bool, false, "whether this plan has a base fee"),
        col("for_payer_type", ColType::Text, false, "the payer type this plan is designed for"),
        col("slug", ColType::Text, false, "the URL-friendly slug for the plan"),
        col("avatar_url", ColType::Text, true, "the URL of the plan's avatar image"),
        col("features", ColType::Jsonb, true, "the features included in this plan"),
        col("free_trial_enabled", ColType::Bool, false, "whether free trial is enabled for this plan"),
        col("free_trial_days", ColType::I64, true, "number of free trial days for this plan"),
        col("unit_prices", ColType::Jsonb, true, "per-unit pricing tiers for this plan (for example, seats)"),
        attrs(),
    ],
    rowid: Some("id"),
    writes: READ_ONLY,
    doc: "Billing plans offered to users and organizations.",
};

pub(crate) const BILLING_SUBSCRIPTION_ITEMS: ObjectSpec = ObjectSpec {
    table: "billing_subscription_items",
    object: "billing/subscription_items",
    noun: "billing subscription item",
    rows: Rows::Items,
    endpoints: &[Endpoint {
        // Without it Clerk leaves out items of free plans: the table holds
        // every item.
        fixed_query: &[("include_free", "true")],
        filters: &[eq1("status", "status"), eq1("plan_id", "plan_id")],
        ..list("/billing/subscription_items", Envelope::DataTotalCount)
    }],
    columns: &[
        col("id", ColType::Text, false, "unique identifier for the subscription item"),
        col("instance_id", ColType::Text, false, "unique identifier for the Clerk instance"),
        col("status", ColType::Text, false, "current status of the subscription item"),
        col("credit", ColType::Jsonb, true, "credit"),
        col("credits", ColType::Jsonb, true, "unified credits breakdown for this subscription item"),
        col("plan_id", ColType::Text, true, "unique identifier for the associated plan"),
        col("price_id", ColType::Text, true, "unique identifier for the associated price"),
        col("plan", ColType::Jsonb, true, "the associated plan"),
        col("plan_period", ColType::Text, false, "the billing period for this subscription item"),
        col("payment_method", ColType::Jsonb, true, "payment method"),
        col("lifetime_paid", ColType::Jsonb, true, "lifetime paid"),
        col("next_payment", ColType::Jsonb, true, "information about the next payment"),
        col("payer_id", ColType::Text, false, "unique identifier for the payer"),
        col("payer", ColType::Jsonb, true, "payer"),
        col("is_free_trial", ColType::Bool, false, "whether this subscription item includes a free trial"),
        col("period_start", ColType::Timestamptz, false, "unix timestamp (in milliseconds) when the current period started"),
        col("period_end", ColType::Timestamptz, true, "unix timestamp (in milliseconds) when the current period ends"),
        col("proration_date", ColType::Text, true, "the day the subscription item was prorated from"),
        col("canceled_at", ColType::Timestamptz, true, "unix timestamp (in milliseconds) when the subscription item was canceled"),
        col("past_due_at", ColType::Timestamptz, true, "unix timestamp (in milliseconds) when the subscription item became past due"),
        col("ended_at", ColType::Timestamptz, true, "unix timestamp (in milliseconds) when the subscription item ended"),
        col("created_at", ColType::Timestamptz, true, "unix timestamp (in milliseconds) when the subscription item was created"),
        col("updated_at", ColType::Timestamptz, true, "unix timestamp (in milliseconds) when the subscription item was last updated"),
        col("seats", ColType::Jsonb, true, "seat quantity for seat-based billing"),
        col("totals", ColType::Jsonb, true, "totals for this subscription item"),
        attrs(),
    ],
    rowid: Some("id"),
    writes: READ_ONLY,
    doc: "Items of every billing subscription (one per plan and period).",
};

pub(crate) const BILLING_STATEMENTS: ObjectSpec = ObjectSpec {
    table: "billing_statements",
    object: "billing/statements",
    noun: "billing statement",
    rows: Rows::Items,
    endpoints: &[list("/billing/statements", Envelope::DataTotalCount)],
    columns: &[
        col("id", ColType::Text, false, "unique identifier for the billing statement"),
        col("instance_id", ColType::Text, false, "the ID of the instance this statement belongs to"),
        col("timestamp", ColType::Timestamptz, false, "unix timestamp (in milliseconds) when the statement was created"),
        col("payer", ColType::Jsonb, false, "payer"),
        col("status", ColType::Text, false, "the current status of the statement"),
        col("totals", ColType::Jsonb, false, "totals for the statement"),
        col("groups", ColType::Jsonb, false, "array of statement groups"),
        attrs(),
    ],
    rowid: Some("id"),
    writes: READ_ONLY,
    doc: "Billing statements of every payer.",
};

pub(crate) const BILLING_STATEMENT: ObjectSpec = ObjectSpec {
    table: "billing_statement",
    object: "billing/statement",
    noun: "billing statement",
    rows: Rows::Items,
    endpoints: &[one(
        "/billing/statements/{statementID}",
        &[path_bind("statement_id", "statementID", "stmt_...")],
    )],
    columns: &[
        col("statement_id", ColType::Text, false, "the statement asked for (`where statement_id = ...`)"),
        col("id", ColType::Text, false, "unique identifier for the billing statement"),
        col("instance_id", ColType::Text, false, "the ID of the instance this statement belongs to"),
        col("timestamp", ColType::Timestamptz, false, "unix timestamp (in milliseconds) when the statement was created"),
        col("payer", ColType::Jsonb, false, "payer"),
        col("status", ColType::Text, false, "the current status of the statement"),
        col("totals", ColType::Jsonb, false, "totals for the statement"),
        col("groups", ColType::Jsonb, false, "array of statement groups"),
        attrs(),
    ],
    rowid: Some("id"),
    writes: READ_ONLY,
    doc: "One billing statement, by `statement_id`.",
};

pub(crate) const BILLING_PAYMENT_ATTEMPTS: ObjectSpec = ObjectSpec {
    table: "billing_payment_attempts",
    object: "billing/payment_attempts",
    noun: "billing payment attempt",
    rows: Rows::Items,
    endpoints: &[Endpoint {
        binds: &[path_bind("statement_id", "statementID", "stmt_...")],
        ..list("/billing/statements/{statementID}/payment_attempts", Envelope::DataTotalCount)
    }],
    columns: &[
        col("id", ColType::Text, false, "unique identifier for the payment attempt"),
        col("payment_id", ColType::Text, false, "unique identifier for the associated payment"),
        col("instance_id", ColType::Text, false, "the ID of the instance this payment attempt belongs to"),
        col("charge_type", ColType::Text, false, "type of charge for this payment attempt"),
        col("payee_id", ColType::Text, false, "unique identifier for the payee"),
        col("payee", ColType::Jsonb, false, "the payee associated with this payment attempt"),
        col("payer_id", ColType::Text, false, "unique identifier for the payer"),
        col("payer", ColType::Jsonb, false, "payer"),
        col("subscription_item_id", ColType::Text, true, "unique identifier for the associated subscription item"),
        col("subscription_item", ColType::Jsonb, true, "the subscription item associated with this payment attempt"),
        col("amount", ColType::Jsonb, false, "amount"),
        col("totals", ColType::Jsonb, true, "totals breakdown for this payment attempt"),
        col("payment_method_id", ColType::Text, false, "unique identifier for the payment method"),
        col("payment_method", ColType::Jsonb, false, "payment method"),
        col("statement_id", ColType::Text, false, "unique identifier for the associated statement"),
        col("gateway_external_id", ColType::Text, true, "external identifier from the payment gateway"),
        col("gateway_external_url", ColType::Text, true, "external URL from the payment gateway"),
        col("status", ColType::Text, false, "the current status of the payment attempt"),
        col("paid_at", ColType::Timestamptz, true, "unix timestamp (in milliseconds) when the payment was completed"),
        col("failed_at", ColType::Timestamptz, true, "unix timestamp (in milliseconds) when the payment failed to be processed"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp (in milliseconds) when the payment attempt was created"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp (in milliseconds) when the payment attempt was last updated"),
        attrs(),
    ],
    rowid: Some("id"),
    writes: READ_ONLY,
    doc: "Payment attempts of one billing statement, by `statement_id`.",
};

pub(crate) const USER_BILLING_SUBSCRIPTIONS: ObjectSpec = ObjectSpec {
    table: "user_billing_subscriptions",
    object: "users/billing/subscription",
    noun: "billing subscription",
    rows: Rows::Items,
    endpoints: &[one(
        "/users/{user_id}/billing/subscription",
        &[path_bind("user_id", "user_id", "user_...")],
    )],
    columns: &[
        col("user_id", ColType::Text, false, "the user asked for (`where user_id = ...`)"),
        col("id", ColType::Text, false, "unique identifier for the commerce subscription"),
        col("instance_id", ColType::Text, false, "the ID of the instance this subscription belongs to"),
        col("status", ColType::Text, false, "the current status of the subscription"),
        col("payer_id", ColType::Text, false, "the ID of the payer for this subscription"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp (milliseconds) of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp (milliseconds) of last update"),
        col("active_at", ColType::Timestamptz, true, "unix timestamp (milliseconds) when the subscription became active"),
        col("past_due_at", ColType::Timestamptz, true, "unix timestamp (milliseconds) when the subscription became past due"),
        col("subscription_items", ColType::Jsonb, false, "array of subscription items in this subscription"),
        col("next_payment", ColType::Jsonb, true, "next payment"),
        col("eligible_for_free_trial", ColType::Bool, true, "whether the payer is eligible for a free trial"),
        attrs(),
    ],
    rowid: Some("id"),
    writes: READ_ONLY,
    doc: "The billing subscription of a user, by `user_id`.",
};

pub(crate) const ORGANIZATION_BILLING_SUBSCRIPTIONS: ObjectSpec = ObjectSpec {
    table: "organization_billing_subscriptions",
    object: "organizations/billing/subscription",
    noun: "billing subscription",
    rows: Rows::Items,
    endpoints: &[one(
        "/organizations/{organization_id}/billing/subscription",
        &[path_bind("organization_id", "organization_id", "org_...")],
    )],
    columns: &[
        col("organization_id", ColType::Text, false, "the organization asked for (`where organization_id = ...`)"),
        col("id", ColType::Text, false, "unique identifier for the commerce subscription"),
        col("instance_id", ColType::Text, false, "the ID of the instance this subscription belongs to"),
        col("status", ColType::Text, false, "the current status of the subscription"),
        col("payer_id", ColType::Text, false, "the ID of the payer for this subscription"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp (milliseconds) of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp (milliseconds) of last update"),
        col("active_at", ColType::Timestamptz, true, "unix timestamp (milliseconds) when the subscription became active"),
        col("past_due_at", ColType::Timestamptz, true, "unix timestamp (milliseconds) when the subscription became past due"),
        col("subscription_items", ColType::Jsonb, false, "array of subscription items in this subscription"),
        col("next_payment", ColType::Jsonb, true, "next payment"),
        col("eligible_for_free_trial", ColType::Bool, true, "whether the payer is eligible for a free trial"),
        attrs(),
    ],
    rowid: Some("id"),
    writes: READ_ONLY,
    doc: "The billing subscription of an organization, by `organization_id`.",
};


pub(crate) const BILLING_PRICES: ObjectSpec = ObjectSpec {
    table: "billing_prices",
    object: "billing_prices",
    noun: "billing price",
    rows: Rows::Items,
    endpoints: &[Endpoint {
        filters: &[eq1("plan_id", "plan_id")],
        ..list("/billing/prices", Envelope::DataTotalCount)
    }],
    columns: &[
        col("id", ColType::Text, false, "unique identifier for the price"),
        col("plan_id", ColType::Text, false, "unique identifier for the associated plan"),
        col("instance_id", ColType::Text, false, "unique identifier for the instance"),
        col("currency", ColType::Text, false, "the currency code (e.g., 'USD')"),
        col("currency_symbol", ColType::Text, false, "the currency symbol (e.g., '$')"),
        col("amount", ColType::I64, false, "the amount in cents for the price"),
        col("annual_monthly_amount", ColType::I64, false, "the monthly amount in cents when billed annually"),
        col("fee", ColType::Jsonb, true, "fee"),
        col("annual_monthly_fee", ColType::Jsonb, true, "annual monthly fee"),
        col("description", ColType::Text, true, "the description of the price"),
        col("is_default", ColType::Bool, false, "whether this price is the default price for its plan"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp (milliseconds) of creation"),
        col("supported_billing_periods", ColType::Text, false, "which billing periods this price supports"),
        attrs(),
    ],
    rowid: Some("id"),
    writes: READ_ONLY,
    doc: "Prices of the billing plans (a plan's default price and custom ones).",
};

pub(crate) const USER_BILLING_CREDITS: ObjectSpec = ObjectSpec {
    table: "user_billing_credits",
    object: "user_billing_credits",
    noun: "credit balance",
    rows: Rows::Items,
    endpoints: &[one("/users/{user_id}/billing/credits", &[path_bind("user_id", "user_id", "user_...")])],
    columns: &[
        col("user_id", ColType::Text, false, "the user asked for (`where user_id = ...`)"),
        col("balance", ColType::Jsonb, true, "the current credit balance"),
        attrs(),
    ],
    rowid: None,
    writes: READ_ONLY,
    doc: "The billing credit balance of a user, by `user_id`.",
};

pub(crate) const ORGANIZATION_BILLING_CREDITS: ObjectSpec = ObjectSpec {
    table: "organization_billing_credits",
    object: "organization_billing_credits",
    noun: "credit balance",
    rows: Rows::Items,
    endpoints: &[one(
        "/organizations/{organization_id}/billing/credits",
        &[path_bind("organization_id", "organization_id", "org_...")],
    )],
    columns: &[
        col("organization_id", ColType::Text, false, "the organization asked for (`where organization_id = ...`)"),
        col("balance", ColType::Jsonb, true, "the current credit balance"),
        attrs(),
    ],
    rowid: None,
    writes: READ_ONLY,
    doc: "The billing credit balance of an organization, by `organization_id`.",
};
