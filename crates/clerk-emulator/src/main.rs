//! The `clerk-emulator` binary: parse flags, seed the instance, serve on
//! loopback until Ctrl-C or SIGTERM.

#![forbid(unsafe_code)]

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use clerk_emulator::server::knobs::{FaultList, RateLimitSetting};
use clerk_emulator::{app, Config, Knobs, LogLevel};

/// A local stand-in for Clerk's Backend API with deterministic seeded data.
///
/// Serves the Backend API operations of the resource registry
/// (`src/resources/mod.rs`) under `/v1` behind
/// `Authorization: Bearer <secret key>`, plus unauthenticated admin routes:
/// `GET /__emulator/requests`, `GET /__emulator/requests/total`,
/// `GET /__emulator/requests/log[?limit=N]`, `GET|PATCH /__emulator/knobs`
/// (rate limit, latency, faults at run time) and `POST /__emulator/reset`
/// (seeded data, knobs, counters and log back to startup).
#[derive(Debug, Parser)]
#[command(name = "clerk-emulator", version)]
struct Args {
    /// Address to listen on (loopback by default; port 0 picks a free port)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8090")]
    listen: SocketAddr,

    /// The secret key clients must send as `Authorization: Bearer <KEY>`
    /// (or set CLERK_EMULATOR_SECRET_KEY, which keeps it out of `ps`)
    #[arg(
        long,
        value_name = "KEY",
        env = "CLERK_EMULATOR_SECRET_KEY",
        hide_env_values = true
    )]
    secret_key: String,

    /// Number of seeded users
    #[arg(long, value_name = "N", default_value_t = 100)]
    users: u32,

    /// Number of seeded organizations
    #[arg(long, value_name = "M", default_value_t = 10)]
    organizations: u32,

    /// Seed of the generated data (same seed and sizes, same data)
    #[arg(long, value_name = "S", default_value_t = 42)]
    seed: u64,

    /// Request logging on stderr: off, error (5xx only), info (one line per
    /// request) or debug (adds query parameter names, never their values)
    #[arg(long, value_name = "LEVEL", default_value_t = LogLevel::Info)]
    log_level: LogLevel,

    /// Clerk's per-instance rate limit: off, 100/10s (development
    /// instances), 1000/10s (production), or any N/<duration> such as
    /// 20/500ms. Over the limit, /v1 answers 429 with Retry-After (seconds
    /// until the window ends) and a ClerkErrors body
    #[arg(long, value_name = "LIMIT", default_value = "off")]
    rate_limit: RateLimitSetting,

    /// Fixed delay added before every /v1 answer, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency_ms: u64,

    /// Extra uniformly random delay of 0..=MS milliseconds on top of
    /// --latency-ms (deterministic from --seed)
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency_jitter_ms: u64,

    /// Probability (0 to 1) that a /v1 request gets one of --faults instead
    /// of its normal answer (deterministic from --seed)
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = parse_probability)]
    fault_rate: f64,

    /// Faults to draw from, comma-separated: 500, 502, 503 (HTML gateway
    /// page), reset (connection dropped before a response), truncate (body
    /// stops halfway through its Content-Length), malformed (a complete
    /// response whose JSON is cut in half), slow (the body trickles out over
    /// --slow-body-ms); or all
    #[arg(long, value_name = "LIST", default_value = "all")]
    faults: FaultList,

    /// How long a "slow" fault takes to deliver the whole body, in ms
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    slow_body_ms: u64,
}

fn parse_probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("\"{s}\" is not a probability between 0 and 1")),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.secret_key.trim().is_empty() {
        eprintln!("clerk-emulator: option \"--secret-key\" is empty\nhint: pass a key such as sk_test_emulator");
        return ExitCode::FAILURE;
    }
    let config = Config {
        secret_key: args.secret_key,
        users: args.users,
        organizations: args.organizations,
        seed: args.seed,
        log_level: args.log_level,
        knobs: Knobs {
            latency_ms: args.latency_ms,
            latency_jitter_ms: args.latency_jitter_ms,
            fault_rate: args.fault_rate,
            faults: args.faults.0,
            slow_body_ms: args.slow_body_ms,
            ..Knobs::default()
        }
        .with_rate_limit(args.rate_limit.0),
    };
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("clerk-emulator: cannot listen on \"{}\": {error}\nhint: pick a free port with --listen", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let app = app(config);
    let addr = listener.local_addr().unwrap_or(args.listen);
    // Scripts wait for this exact line before sending requests.
    println!("clerk-emulator listening on http://{addr}");
    let _ = std::io::stdout().flush();
    if let Err(error) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
        eprintln!("clerk-emulator: server error: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
