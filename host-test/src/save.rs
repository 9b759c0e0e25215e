//! Saving downloaded documents to disk for the CLI (`--save-dir`, `demo --out`).

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

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

/// Write every `content_base64` of a get-signed-documents result into `dir`, replacing it with
/// the file's `path`. Returns the paths written.
pub fn save_documents(result: &mut Value, dir: &Path) -> Result<Vec<String>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    let mut save = |doc: &mut Value| -> Result<(), String> {
        let Some(b64) = doc.get("content_base64").and_then(Value::as_str) else {
            return Ok(());
        };
        let bytes = STANDARD
            .decode(b64)
            .map_err(|e| format!("document content: {e}"))?;
        let name = file_name(
            doc["document_id"].as_str().unwrap_or("document"),
            doc["name"].as_str().unwrap_or("document"),
        );
        let path = dir.join(name);
        std::fs::write(&path, &bytes).map_err(|e| format!("writing {}: {e}", path.display()))?;
        let obj = doc.as_object_mut().expect("document is an object");
        obj.remove("content_base64");
        obj.insert("path".to_owned(), Value::String(path.display().to_string()));
        written.push(path.display().to_string());
        Ok(())
    };
    if let Some(docs) = result.get_mut("documents").and_then(Value::as_array_mut) {
        for doc in docs {
            save(doc)?;
        }
    }
    if let Some(summary) = result.get_mut("summary") {
        save(summary)?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        let mut v = json!({"documents": [{"document_id": "1", "name": "a.pdf", "content_base64": "JVBERg=="}],
                           "summary": {"document_id": "certificate", "name": "Summary", "content_base64": "JVBERi0="}});
        let written = save_documents(&mut v, &dir).unwrap();
        assert_eq!(written.len(), 2);
        assert_eq!(std::fs::read(dir.join("1-a.pdf")).unwrap(), b"%PDF");
        assert!(v["documents"][0].get("content_base64").is_none());
        assert!(
            v["summary"]["path"]
                .as_str()
                .unwrap()
                .ends_with("certificate-Summary.pdf")
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
