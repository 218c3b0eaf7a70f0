//! A TOML tree in which every key and value remembers the file and the line and column it was
//! written at, so that errors found after `extends` merging still point at the right file.

use std::ops::Range;

/// Where something was written: an index into the loader's file list and a 1-based line and
/// column (line 0 when unknown, e.g. an implicit table, or the whole file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Pos {
    pub file: usize,
    pub line: usize,
    pub column: usize,
}

impl Pos {
    /// The whole file (no line).
    pub fn file(file: usize) -> Pos {
        Pos {
            file,
            line: 0,
            column: 0,
        }
    }
}

/// A value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Datetime(toml_edit::Datetime),
    Array(Vec<Node>),
    Table(Table),
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub val: Val,
    pub pos: Pos,
}

/// A table (standard or inline), entries in file order.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Table {
    pub entries: Vec<Entry>,
    /// Written as `{ ... }` rather than under a `[header]`.
    pub inline: bool,
}

/// One `key = value` (or `[key]` section).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub node: Node,
}

impl Table {
    /// The entry with this key.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The sub-table with this key, mutably.
    pub fn table_mut(&mut self, key: &str) -> Option<&mut Table> {
        self.entries
            .iter_mut()
            .find(|e| e.key == key)
            .and_then(|e| match &mut e.node.val {
                Val::Table(t) => Some(t),
                _ => None,
            })
    }

    /// Removes the entry with this key.
    pub fn remove(&mut self, key: &str) {
        self.entries.retain(|e| e.key != key);
    }
}

/// Converts byte offsets of one file's text to 1-based lines and columns (columns count
/// characters, not bytes).
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, line_starts }
    }

    /// 1-based line and column of byte `offset` (clamped to the text).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let column = match self.text.get(start..offset) {
            Some(s) => s.chars().count(),
            None => offset - start,
        };
        (line + 1, column + 1)
    }

    /// Position of the start of `span` in file `file` (line 0 when there is no span).
    pub fn pos(&self, file: usize, span: Option<Range<usize>>) -> Pos {
        match span {
            Some(r) => {
                let (line, column) = self.line_col(r.start);
                Pos { file, line, column }
            }
            None => Pos::file(file),
        }
    }
}

/// Converts a parsed document's root table.
pub(crate) fn convert_document(root: &toml_edit::Table, index: &LineIndex<'_>, file: usize) -> Table {
    convert_table(root, index, file)
}

fn convert_table(t: &toml_edit::Table, index: &LineIndex<'_>, file: usize) -> Table {
    let mut out = Table::default();
    for (k, item) in t.iter() {
        let key_pos = index.pos(file, t.key(k).and_then(|k| k.span()));
        if let Some(node) = convert_item(item, index, file, key_pos) {
            out.entries.push(Entry {
                key: k.to_string(),
                key_pos,
                node,
            });
        }
    }
    out
}

fn convert_item(item: &toml_edit::Item, index: &LineIndex<'_>, file: usize, fallback: Pos) -> Option<Node> {
    match item {
        toml_edit::Item::None => None,
        toml_edit::Item::Value(v) => Some(convert_value(v, index, file, fallback)),
        toml_edit::Item::Table(t) => {
            let pos = if t.span().is_some() {
                index.pos(file, t.span())
            } else {
                fallback
            };
            Some(Node {
                val: Val::Table(convert_table(t, index, file)),
                pos,
            })
        }
        toml_edit::Item::ArrayOfTables(a) => {
            let items = a
                .iter()
                .map(|t| Node {
                    pos: if t.span().is_some() {
                        index.pos(file, t.span())
                    } else {
                        fallback
                    },
                    val: Val::Table(convert_table(t, index, file)),
                })
                .collect();
            let pos = if a.span().is_some() {
                index.pos(file, a.span())
            } else {
                fallback
            };
            Some(Node {
                val: Val::Array(items),
                pos,
            })
        }
    }
}

fn convert_value(v: &toml_edit::Value, index: &LineIndex<'_>, file: usize, fallback: Pos) -> Node {
    use toml_edit::Value;
    let pos = if v.span().is_some() {
        index.pos(file, v.span())
    } else {
        fallback
    };
    let val = match v {
        Value::String(s) => Val::Str(s.value().clone()),
        Value::Integer(i) => Val::Int(*i.value()),
        Value::Float(f) => Val::Float(*f.value()),
        Value::Boolean(b) => Val::Bool(*b.value()),
        Value::Datetime(d) => Val::Datetime(*d.value()),
        Value::Array(a) => Val::Array(a.iter().map(|x| convert_value(x, index, file, pos)).collect()),
        Value::InlineTable(t) => {
            let mut out = Table {
                entries: Vec::new(),
                inline: true,
            };
            for (k, x) in t.iter() {
                let key_pos = index.pos(file, t.key(k).and_then(|k| k.span()));
                out.entries.push(Entry {
                    key: k.to_string(),
                    key_pos,
                    node: convert_value(x, index, file, key_pos),
                });
            }
            Val::Table(out)
        }
    };
    Node { val, pos }
}

/// Overlays `child` on `parent`: tables merge key by key; any other value in the child
/// replaces the parent's. Every entry keeps the position it was written at.
pub(crate) fn merge(parent: Table, child: Table) -> Table {
    let mut out = parent;
    out.inline = child.inline;
    for entry in child.entries {
        match out.entries.iter_mut().find(|e| e.key == entry.key) {
            Some(existing) => {
                let Entry { key, key_pos, node } = entry;
                match (&mut existing.node.val, node.val) {
                    (Val::Table(p), Val::Table(c)) => {
                        let p = std::mem::take(p);
                        existing.node.val = Val::Table(merge(p, c));
                        if node.pos.line > 0 || existing.node.pos.line == 0 {
                            existing.node.pos = node.pos;
                            existing.key_pos = key_pos;
                        }
                    }
                    (_, val) => {
                        *existing = Entry {
                            key,
                            key_pos,
                            node: Node { val, pos: node.pos },
                        };
                    }
                }
            }
            None => out.entries.push(entry),
        }
    }
    out
}

/// Every key and value of `table` with its dotted path (`a.b`, array elements `a.b[2]`), in
/// the order written. Keys and values both appear, so a position anywhere on a line can be
/// matched to the field written there ([`field_at`]).
pub(crate) fn paths(table: &Table) -> Vec<(String, Pos)> {
    fn walk(table: &Table, prefix: &str, out: &mut Vec<(String, Pos)>) {
        for e in &table.entries {
            let path = if prefix.is_empty() {
                e.key.clone()
            } else {
                format!("{prefix}.{}", e.key)
            };
            out.push((path.clone(), e.key_pos));
            node(&e.node, &path, out);
        }
    }
    fn node(n: &Node, path: &str, out: &mut Vec<(String, Pos)>) {
        out.push((path.to_string(), n.pos));
        match &n.val {
            Val::Table(t) => walk(t, path, out),
            Val::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    node(item, &format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(table, "", &mut out);
    out
}

/// The dotted path of the field written at or last before `pos` (same file), e.g. the key a
/// parser error points into; empty when `pos` is before every field.
pub(crate) fn field_at(paths: &[(String, Pos)], pos: Pos) -> String {
    paths
        .iter()
        .filter(|(_, p)| p.file == pos.file && p.line > 0 && (p.line, p.column) <= (pos.line, pos.column))
        .max_by_key(|(path, p)| (p.line, p.column, path.len()))
        .map(|(path, _)| path.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, file: usize) -> Table {
        let doc = toml_edit::ImDocument::parse(text).expect("test TOML parses");
        convert_document(doc.as_table(), &LineIndex::new(text), file)
    }

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let text = "a = 1\nbé = \"x\"\n\nc = 3";
        let ix = LineIndex::new(text);
        assert_eq!(ix.line_col(0), (1, 1));
        assert_eq!(ix.line_col(4), (1, 5));
        assert_eq!(ix.line_col(6), (2, 1));
        // "bé = " is 6 bytes but 5 characters: the value starts at column 6.
        let value = text.find('"').expect("quote");
        assert_eq!(ix.line_col(value), (2, 6));
        assert_eq!(ix.line_col(text.len()), (4, 6));
        assert_eq!(ix.line_col(text.len() + 10), (4, 6));
    }

    #[test]
    fn values_and_keys_have_positions() {
        let t = parse("x = 1\n[s]\n  y = { a = 2 }\n", 3);
        let x = t.get("x").expect("x");
        assert_eq!((x.key_pos.line, x.key_pos.column, x.node.pos.column), (1, 1, 5));
        let s = t.get("s").expect("s");
        assert_eq!(s.node.pos.line, 2);
        let Val::Table(s) = &s.node.val else { panic!("table") };
        let y = s.get("y").expect("y");
        assert_eq!((y.node.pos.file, y.node.pos.line, y.node.pos.column), (3, 3, 7));
        let Val::Table(inline) = &y.node.val else {
            panic!("inline")
        };
        assert!(inline.inline);
        assert_eq!(inline.get("a").expect("a").node.pos.column, 13);
    }

    #[test]
    fn merge_keeps_where_each_value_was_written() {
        let parent = parse("[s]\na = 1\nb = 2\n[t]\nc = 3\n", 1);
        let child = parse("# child\n[s]\nb = 20\nd = 4\n", 0);
        let merged = merge(parent, child);
        let Val::Table(s) = &merged.get("s").expect("s").node.val else {
            panic!("table")
        };
        let a = s.get("a").expect("a");
        assert_eq!(
            (a.node.val.clone(), a.node.pos.file, a.node.pos.line),
            (Val::Int(1), 1, 2)
        );
        let b = s.get("b").expect("b");
        assert_eq!(
            (b.node.val.clone(), b.node.pos.file, b.node.pos.line),
            (Val::Int(20), 0, 3)
        );
        let d = s.get("d").expect("d");
        assert_eq!((d.node.pos.file, d.node.pos.line), (0, 4));
        // The merged section is reported where the child wrote it.
        assert_eq!(merged.get("s").expect("s").node.pos.file, 0);
        let c = merged.get("t").expect("t");
        assert_eq!(c.node.pos.file, 1);
    }

    #[test]
    fn a_non_table_child_value_replaces_the_parent_table() {
        let parent = parse("x = { a = 1 }\n", 1);
        let child = parse("x = 5\n", 0);
        let merged = merge(parent, child);
        assert_eq!(merged.get("x").expect("x").node.val, Val::Int(5));
    }
}
