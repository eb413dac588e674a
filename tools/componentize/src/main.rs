//! `componentize`: turns the clerk-fdw core wasm module into a component.
//!
//! ```text
//! componentize <in.wasm> <out.wasm>     encode, validate, check imports, write
//! componentize --allow-import <iface> <in.wasm> <out.wasm>
//!                                       the same, also allowing one import
//!                                       (our guest's fast flavour)
//! componentize --print-imports <c.wasm> one import per line
//! componentize --print-exports <c.wasm> one export per line
//! componentize --print <c.wasm>         `import NAME` / `export NAME` lines
//! ```
//!
//! The component may import only `supabase:wrappers/*` interfaces: a WASI
//! or any other import would make it fail to load on Supabase's host. The
//! fast flavour also imports our host's `clerk:wrappers-ext/http-concurrent`,
//! named explicitly with `--allow-import`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use wit_component::{ComponentEncoder, DecodedWasm};
use wit_parser::{Resolve, WorldId, WorldItem, WorldKey};

/// The only import namespace a portable guest may use.
const ALLOWED_IMPORT_PREFIX: &str = "supabase:wrappers/";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("componentize: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> &'static str {
    "usage: componentize [--allow-import <interface>] <in.wasm> <out.wasm>\n       componentize --print-imports|--print-exports|--print <component.wasm>"
}

fn run(args: Vec<String>) -> Result<()> {
    match args.as_slice() {
        [flag, path] if flag.starts_with("--print") => {
            if !["--print-imports", "--print-exports", "--print"].contains(&flag.as_str()) {
                bail!("unknown flag {flag}\n{}", usage());
            }
            let (imports, exports) = interface_names(&read(path)?)?;
            match flag.as_str() {
                "--print-imports" => imports.iter().for_each(|i| println!("{i}")),
                "--print-exports" => exports.iter().for_each(|e| println!("{e}")),
                "--print" => {
                    imports.iter().for_each(|i| println!("import {i}"));
                    exports.iter().for_each(|e| println!("export {e}"));
                }
                other => bail!("unknown flag {other}\n{}", usage()),
            }
            Ok(())
        }
        [input, output] if !input.starts_with('-') => {
            let component = componentize(&read(input)?, &[])?;
            std::fs::write(output, &component).with_context(|| format!("cannot write {output}"))?;
            Ok(())
        }
        [flag, allowed, input, output] if flag == "--allow-import" && !input.starts_with('-') => {
            let component = componentize(&read(input)?, &[allowed.as_str()])?;
            std::fs::write(output, &component).with_context(|| format!("cannot write {output}"))?;
            Ok(())
        }
        _ => bail!("{}", usage()),
    }
}

fn read(path: &str) -> Result<Vec<u8>> {
    std::fs::read(Path::new(path)).with_context(|| format!("cannot read {path}"))
}

/// Encodes a core module (with wit-bindgen's component-type section) as a
/// validated component, and refuses imports outside `supabase:wrappers/*`
/// other than the `allowed` ones (fully qualified names).
pub fn componentize(module: &[u8], allowed: &[&str]) -> Result<Vec<u8>> {
    let component = ComponentEncoder::default()
        .validate(true)
        .module(module)
        .context("the module is not a wit-bindgen guest module")?
        .encode()
        .context("encoding the component failed")?;
    let (imports, _) = interface_names(&component)?;
    let foreign: Vec<&String> =
        imports.iter().filter(|i| !i.starts_with(ALLOWED_IMPORT_PREFIX) && !allowed.contains(&i.as_str())).collect();
    if !foreign.is_empty() {
        bail!(
            "the component imports {} outside {ALLOWED_IMPORT_PREFIX}*: it would not load on Supabase's host",
            foreign.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(component)
}

/// Fully qualified names of a component's imports and exports, sorted.
pub fn interface_names(component: &[u8]) -> Result<(Vec<String>, Vec<String>)> {
    // wit_component::decode also reads a core module's embedded world, and
    // a core module (even one importing WASI) would then list nothing: only
    // a component's preamble (magic, version 0x0d, layer 1) is accepted
    if component.get(..8) != Some(b"\0asm\x0d\0\x01\0".as_slice()) {
        bail!("not a wasm component (a core module? componentize it first)");
    }
    let decoded = wit_component::decode(component).context("not a wasm component")?;
    let (resolve, world) = match &decoded {
        DecodedWasm::Component(resolve, world) => (resolve, *world),
        DecodedWasm::WitPackage(..) => bail!("this is a wit package, not a component"),
    };
    let names = |items: &mut dyn Iterator<Item = (&WorldKey, &WorldItem)>| -> Vec<String> {
        let mut v: Vec<String> = items.map(|(k, item)| item_name(resolve, world, k, item)).collect();
        v.sort();
        v
    };
    let w = &resolve.worlds[world];
    Ok((names(&mut w.imports.iter()), names(&mut w.exports.iter())))
}

fn item_name(resolve: &Resolve, _world: WorldId, key: &WorldKey, item: &WorldItem) -> String {
    match (key, item) {
        (WorldKey::Interface(id), _) => resolve.id_of(*id).unwrap_or_else(|| resolve.name_world_key(key)),
        (WorldKey::Name(name), WorldItem::Function(_)) => format!("{name} (function)"),
        (WorldKey::Name(name), WorldItem::Type { .. }) => format!("{name} (type)"),
        (WorldKey::Name(name), WorldItem::Interface { .. }) => name.clone(),
    }
}
