//! Shard folders ([`crate::shard`]): a `manifest.json` ([`ShardManifest`]) and one data file
//! with the results of the shard's jobs, written atomically like a run folder; and reading them
//! back for `placesim merge`, each data file checked against its manifest's SHA-256 and size.

use super::OutDir;
use crate::error::OutputError;
use crate::shard::{ShardData, ShardManifest, SHARD_KIND};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Largest shard manifest read back (the job list of a large PSA shard is the bulk of it).
const MAX_MANIFEST_BYTES: u64 = 256 << 20;

/// Writes the shard's `data` as `data_name` and then its manifest (with `data` filled in) into
/// `dir` (not yet committed). The manifest is written last, as in a run folder.
pub fn write_shard(
    dir: &OutDir,
    mut manifest: ShardManifest,
    data_name: &str,
    data: &[u8],
) -> Result<ShardManifest, OutputError> {
    let (sha256, bytes) = dir.write_file(data_name, |w| w.write_all(data))?;
    manifest.data = ShardData {
        name: data_name.to_string(),
        sha256,
        bytes,
    };
    dir.write_file("manifest.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })?;
    Ok(manifest)
}

/// Reads the shard folder at `path`: its manifest and its data file, checked against the
/// manifest's SHA-256 and size.
pub fn read_shard(path: &Path) -> Result<(ShardManifest, Vec<u8>), OutputError> {
    let bad = |reason: String| OutputError::BadShard {
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_dir() {
        return Err(bad(if path.exists() {
            "it is not a folder".into()
        } else {
            "it does not exist".into()
        }));
    }
    let manifest_path = path.join("manifest.json");
    let size = std::fs::metadata(&manifest_path)
        .map_err(|e| bad(format!("it has no readable manifest.json ({e})")))?
        .len();
    if size > MAX_MANIFEST_BYTES {
        return Err(bad("its manifest.json is far larger than any placesim writes".into()));
    }
    let text = std::fs::read(&manifest_path).map_err(|e| bad(format!("its manifest.json cannot be read ({e})")))?;
    let value: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| bad(format!("its manifest.json is not valid JSON ({e})")))?;
    match value.get("kind").and_then(|k| k.as_str()) {
        Some(SHARD_KIND) => {}
        _ if value.get("placesim_version").is_some() => {
            return Err(bad(
                "it is a run folder, not a shard: merge takes the folders written by `run`, `compare` or `psa` \
                 with --shard"
                    .into(),
            ))
        }
        _ => return Err(bad("its manifest.json was not written by placesim".into())),
    }
    let manifest: ShardManifest =
        serde_json::from_value(value).map_err(|e| bad(format!("its manifest.json is incomplete ({e})")))?;
    let name = &manifest.data.name;
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(bad(format!("its manifest names the data file {name:?}")));
    }
    let data = std::fs::read(path.join(name)).map_err(|e| bad(format!("its {name} cannot be read ({e})")))?;
    if data.len() as u64 != manifest.data.bytes {
        return Err(bad(format!(
            "its {name} holds {} bytes and the manifest says {} (truncated or replaced)",
            data.len(),
            manifest.data.bytes
        )));
    }
    let sha: String = Sha256::digest(&data).iter().map(|b| format!("{b:02x}")).collect();
    if sha != manifest.data.sha256 {
        return Err(bad(format!(
            "its {name} does not match the SHA-256 in its manifest (damaged or edited)"
        )));
    }
    Ok((manifest, data))
}
