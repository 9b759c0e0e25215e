//! Saving results to disk for the CLI: downloaded documents (`--save-dir`, `demo --out`) and
//! secrets that are never printed (`--signing-url-out`).

use std::path::Path;

use anyhow::anyhow;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use docusign_host::json_api::output::DocumentsOutput;

/// A file name for a document: `<document id>-<base name without extension>.pdf`, with any
/// directory part dropped and unsafe characters replaced.
pub fn file_name(document_id: &str, name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_control()
                    || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
                {
                    '_'
                } else {
                    c
                }
            })
            .collect::<String>()
            .trim()
            .trim_start_matches('.')
            .to_owned()
    };
    let stem = clean(stem);
    let id = clean(document_id);
    if stem.is_empty() {
        format!("{id}.pdf")
    } else {
        format!("{id}-{stem}.pdf")
    }
}

/// Write every document of a get-signed-documents result into `dir`, replacing its content with
/// the file's `path`. Returns the paths written.
pub fn save_documents(result: &mut DocumentsOutput, dir: &Path) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow!("creating {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for doc in result
        .documents
        .iter_mut()
        .chain(std::iter::once(&mut result.summary))
    {
        let Some(b64) = doc.content_base64.take() else {
            continue;
        };
        let bytes = STANDARD
            .decode(b64)
            .map_err(|e| anyhow!("document content: {e}"))?;
        let path = dir.join(file_name(&doc.document_id, &doc.name));
        std::fs::write(&path, &bytes).map_err(|e| anyhow!("writing {}: {e}", path.display()))?;
        doc.path = Some(path.display().to_string());
        written.push(path.display().to_string());
    }
    Ok(written)
}

/// Write `secret` (and a newline) to `path`, readable and writable by its owner only (an
/// existing file is replaced, its permissions narrowed first).
pub fn save_secret(path: &Path, secret: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(|e| anyhow!("opening {}: {e}", path.display()))?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .and_then(|()| file.set_len(0))
        .and_then(|()| file.write_all(format!("{secret}\n").as_bytes()))
        .map_err(|e| anyhow!("writing {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use docusign_host::json_api::output::DocumentOutput;

    #[test]
    fn names_are_safe() {
        assert_eq!(
            file_name("1", "Master Services Agreement.pdf"),
            "1-Master Services Agreement.pdf"
        );
        assert_eq!(file_name("2", "Order Form.txt"), "2-Order Form.pdf");
        assert_eq!(
            file_name("certificate", "Summary"),
            "certificate-Summary.pdf"
        );
        assert_eq!(file_name("3", "../../etc/passwd"), "3-passwd.pdf");
        assert_eq!(file_name("5", "a\\b:c.docx"), "5-b_c.pdf");
        assert_eq!(file_name("../x", "y.pdf"), "_x-y.pdf");
        assert_eq!(file_name("4", ".."), "4.pdf");
    }

    #[test]
    fn saves_and_replaces_content() {
        let dir = std::env::temp_dir().join(format!("docusign-save-{}", std::process::id()));
        let doc = |id: &str, name: &str, b64: &str| DocumentOutput {
            document_id: id.into(),
            name: name.into(),
            size: 4,
            sha256: String::new(),
            content_base64: Some(b64.into()),
            path: None,
        };
        let mut v = DocumentsOutput {
            envelope_id: "e".into(),
            documents: vec![doc("1", "a.pdf", "JVBERg==")],
            summary: doc("certificate", "Summary", "JVBERi0="),
        };
        let written = save_documents(&mut v, &dir).unwrap();
        assert_eq!(written.len(), 2);
        assert_eq!(std::fs::read(dir.join("1-a.pdf")).unwrap(), b"%PDF");
        assert!(v.documents[0].content_base64.is_none());
        assert!(
            v.summary
                .path
                .as_deref()
                .unwrap()
                .ends_with("certificate-Summary.pdf")
        );
        let json = serde_json::to_value(&v).unwrap();
        assert!(json["documents"][0].get("content_base64").is_none());
        assert!(json["documents"][0]["path"].is_string());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
