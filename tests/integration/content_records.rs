//! Records from spreadsheets: the crosstalk handouts with their members read
//! from CSV (UTF-8, UTF-8 with BOM, CP932, TSV) and XLSX instead of YAML, and
//! every bad cell reported at its place.

use std::path::Path;

use pamphlet::JobStatus;
use pamphlet::content::Data;
use pamphlet::diag::Diagnostic;

use crate::common::*;

/// The members as the YAML has them, one row each, in this column order.
const COLUMNS: [&str; 5] = ["id", "bureau", "department", "section", "dispatched_to"];

fn member_rows() -> Vec<Vec<String>> {
    let prep = session().prepare(&["handout".into()]).unwrap();
    let content = &prep.prepared[0].content;
    content
        .records("members")
        .unwrap()
        .iter()
        .map(|m| {
            COLUMNS
                .iter()
                .map(|c| m.get(c).unwrap().plain().unwrap())
                .collect()
        })
        .collect()
}

fn csv_of(rows: &[Vec<String>], delimiter: &str) -> String {
    let mut out = COLUMNS.join(delimiter) + "\n";
    for r in rows {
        out += &(r.join(delimiter) + "\n");
    }
    out
}

/// A copy of the default project whose handouts read their members from
/// `file` (written with `bytes`), with `extra` lines in the `records`
/// table; the members are gone from the YAML (and the pamphlet, which
/// needs them, from the manifest).
fn project_with_records(file: &str, bytes: &[u8], extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_project(dir.path());
    let yaml = dir.path().join("content/crosstalk.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    let start = text.find("members:\n  - id: sotetsu").unwrap();
    let end = text.find("\nexchange:").unwrap();
    std::fs::write(&yaml, format!("{}{}", &text[..start], &text[end + 1..])).unwrap();
    std::fs::write(dir.path().join(file), bytes).unwrap();
    let manifest = dir.path().join("pamphlet.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let start = text.find("[publications.crosstalk]").unwrap();
    let end = text.find("# One handout per member").unwrap();
    let text = format!("{}{}", &text[..start], &text[end..]);
    let text = text.replacen(
        "pad_to = 2\n",
        &format!("pad_to = 2\n\n[publications.handout.records]\nfile = \"{file}\"\n{extra}"),
        1,
    );
    std::fs::write(&manifest, text).unwrap();
    dir
}

/// The handout's content data, or its diagnostics.
fn handout_data(dir: &Path) -> Result<Data, Vec<Diagnostic>> {
    let prep = open(dir).prepare(&["handout".into()]).unwrap();
    if prep.diagnostics.has_errors() {
        return Err(prep.diagnostics.0);
    }
    Ok(prep.prepared[0].content.data.clone())
}

fn yaml_data() -> Data {
    session().prepare(&["handout".into()]).unwrap().prepared[0]
        .content
        .data
        .clone()
}

/// Each diagnostic as `place: message`.
fn described(diags: &[Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .map(|d| match &d.position {
            Some(p) => format!("{p}: {}", d.message),
            None => d.message.clone(),
        })
        .collect()
}

#[test]
fn handouts_from_a_csv_are_byte_identical_to_those_from_yaml() {
    let csv = csv_of(&member_rows(), ",");
    let dir = project_with_records("content/members.csv", csv.as_bytes(), "");
    let from_csv = tempfile::tempdir().unwrap();
    let report = build_into(&open(dir.path()), from_csv.path(), |_| {});
    assert_success(&report);
    let from_yaml = tempfile::tempdir().unwrap();
    let report = build_into(session(), from_yaml.path(), |r| {
        r.publications = vec!["handout".into()]
    });
    assert_success(&report);
    for id in ["sotetsu", "ntt-east", "itoen"] {
        let a = std::fs::read(from_csv.path().join(format!("handouts/{id}.pdf"))).unwrap();
        let b = std::fs::read(from_yaml.path().join(format!("handouts/{id}.pdf"))).unwrap();
        assert!(a == b, "handouts/{id}.pdf differs between CSV and YAML");
    }
}

#[test]
fn utf8_with_bom_cp932_utf16_and_tsv_read_the_same_members() {
    let rows = member_rows();
    let csv = csv_of(&rows, ",");
    let expected = yaml_data();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(csv.as_bytes());
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&csv);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&sjis).is_err(),
        "the CP932 bytes are not UTF-8"
    );
    let mut utf16 = vec![0xFF, 0xFE];
    for u in csv_of(&rows, "\t").encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("content/members.csv", bom, ""),
        ("content/members.csv", sjis.to_vec(), ""),
        (
            "content/members.csv",
            sjis.to_vec(),
            "encoding = \"cp932\"\n",
        ),
        ("content/members.txt", utf16, ""),
        ("content/members.tsv", csv_of(&rows, "\t").into_bytes(), ""),
    ];
    for (file, bytes, extra) in cases {
        let dir = project_with_records(file, &bytes, extra);
        let data = handout_data(dir.path())
            .unwrap_or_else(|d| panic!("{file} {extra}: {:?}", described(&d)));
        assert_eq!(data, expected, "{file} {extra}");
    }
}

#[test]
fn bad_csv_cells_are_reported_at_their_line_and_column() {
    let csv = "id,bureau,department,section,dispatched_to\n\
               sotetsu,政策経営局,シティプロモーション推進室,広報戦略・プロモーション課,相模鉄道株式会社\n\
               NTT,市民局,区政支援部,区政イノベーション推進課,東日本電信電話株式会社\n\
               ,,,,\n\
               itoen,経済局,#REF!,イノベーション推進課,株式会社伊藤園\n\
               sotetsu,経済局,ビジネスイノベーション部部部部部部部部部部部部部,課,\"株式会社\u{202E}伊藤園\"\n\
               \n\
               \n";
    let dir = project_with_records("content/members.csv", csv.as_bytes(), "");
    let diags = handout_data(dir.path()).unwrap_err();
    let got = described(&diags);
    let want = [
        "content/members.csv:3:1: `NTT` is not a valid id for `members[1].id`",
        "content/members.csv:4:1: empty row between records",
        "content/members.csv:5:11: the cell holds the error value #REF!",
        "content/members.csv:6:1: duplicate id `sotetsu` in `members`",
        "content/members.csv:6:31: `members[3].department` is 24 characters long; the layout has room for 18",
    ];
    for w in want {
        assert!(
            got.iter().any(|g| g.starts_with(w)),
            "missing `{w}` in:\n{}",
            got.join("\n")
        );
    }
    // The bidi control, at its character.
    assert!(
        got.iter()
            .any(|g| g
                .starts_with("content/members.csv:6:45: bidirectional control character U+202E")),
        "{got:#?}"
    );
    // The error cell is reported once (not again as an empty value).
    assert_eq!(
        got.iter()
            .filter(|g| g.starts_with("content/members.csv:5:11"))
            .count(),
        1,
        "{got:#?}"
    );
    // The duplicate's hint names the first one's line.
    let dup = diags
        .iter()
        .find(|d| d.message.starts_with("duplicate id"))
        .unwrap();
    assert!(dup.hints[0].ends_with("on line 2"), "{:?}", dup.hints);
    // Trailing empty rows are ignored: nothing at lines 7 and 8.
    assert!(
        !got.iter()
            .any(|g| g.contains(".csv:7:") || g.contains(".csv:8:")),
        "{got:#?}"
    );
}

#[test]
fn a_bad_header_is_reported_column_by_column_with_suggestions() {
    let csv = "id,bureau,departmnt,section,section,note\nsotetsu,a,b,c,d,e\n";
    let dir = project_with_records("content/members.csv", csv.as_bytes(), "");
    let diags = handout_data(dir.path()).unwrap_err();
    let got = described(&diags);
    assert!(
        got.iter()
            .any(|g| g.starts_with("content/members.csv:1:11: unknown column `departmnt`")),
        "{got:#?}"
    );
    let typo = diags
        .iter()
        .find(|d| d.message.contains("`departmnt`"))
        .unwrap();
    assert_eq!(typo.hints, ["did you mean `department`?"]);
    assert!(
        got.iter()
            .any(|g| g.starts_with("content/members.csv:1:29: duplicate column `section`")),
        "{got:#?}"
    );
    assert!(
        got.iter()
            .any(|g| g.starts_with("content/members.csv:1:37: unknown column `note`")),
        "{got:#?}"
    );
    assert!(
        got.iter()
            .any(|g| g.starts_with("content/members.csv:1:1: no column `dispatched_to`")),
        "{got:#?}"
    );
    // The misspelt column is not also reported as missing.
    assert!(
        !got.iter().any(|g| g.contains("no column `department`")),
        "{got:#?}"
    );
}

#[test]
fn a_csv_in_neither_utf8_nor_shift_jis_is_reported_at_the_bad_byte() {
    let mut bytes = b"id,bureau\nsotetsu,".to_vec();
    bytes.extend_from_slice(&[0x82]); // a Shift_JIS lead byte, cut short
    bytes.extend_from_slice(b"\n");
    let dir = project_with_records("content/members.csv", &bytes, "");
    let diags = handout_data(dir.path()).unwrap_err();
    let got = described(&diags);
    assert!(
        got[0].starts_with("content/members.csv:2:9: the file is not valid Shift_JIS (CP932) (it is not UTF-8 either)"),
        "{got:#?}"
    );
    // Named UTF-8, the same bytes are reported as UTF-8, with the hint.
    let dir = project_with_records("content/members.csv", &bytes, "encoding = \"utf-8\"\n");
    let diags = handout_data(dir.path()).unwrap_err();
    assert!(
        diags[0].message.contains("not valid UTF-8"),
        "{:?}",
        diags[0]
    );
    assert!(
        diags[0].hints[0].contains("shift_jis"),
        "{:?}",
        diags[0].hints
    );
}

/// An XLSX with the members on sheet 名簿 (after a first sheet), written
/// with `tweak` applied to the worksheet after the rows.
fn xlsx(rows: &[Vec<String>], tweak: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().set_name("表紙").unwrap();
    let sheet = book.add_worksheet();
    sheet.set_name("名簿").unwrap();
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet.write_string(0, c as u16, *name).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, v).unwrap();
        }
    }
    tweak(sheet);
    book.save_to_buffer().unwrap()
}

#[test]
fn an_xlsx_sheet_gives_the_same_members_with_formulas_read_as_their_values() {
    let rows = member_rows();
    let expected = yaml_data();
    // The department of the second member as a formula with its cached
    // value, as Excel saves it.
    let dept = rows[1][2].clone();
    let (a, b) = dept.split_at(dept.char_indices().nth(2).unwrap().0);
    let bytes = xlsx(&rows, |s| {
        let f = rust_xlsxwriter::Formula::new(format!("=\"{a}\"&\"{b}\"")).set_result(&dept);
        s.write_formula(2, 2, f).unwrap();
    });
    let dir = project_with_records("content/staff.xlsx", &bytes, "sheet = \"名簿\"\n");
    let data = handout_data(dir.path()).unwrap_or_else(|d| panic!("{:?}", described(&d)));
    assert_eq!(data, expected);
    // The whole build from it gives the same handouts as from YAML.
    let out = tempfile::tempdir().unwrap();
    let report = build_into(&open(dir.path()), out.path(), |_| {});
    assert_success(&report);
    let text = pdf_pages(&out.path().join("handouts/ntt-east.pdf")).join("\n");
    assert!(compact(&text).contains(&compact(&dept)), "{text}");
}

#[test]
fn bad_xlsx_cells_are_reported_by_sheet_and_cell() {
    let rows = member_rows();
    let bytes = xlsx(&rows, |s| {
        // An error value from a formula, a date in a text column, a number
        // in an id column.
        let f = rust_xlsxwriter::Formula::new("=Sheet9!A1").set_result("#REF!");
        s.write_formula(2, 2, f).unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 4, 1).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        s.write_datetime_with_format(3, 3, &date, &format).unwrap();
        s.write_number(1, 0, 12.0).unwrap();
        // Row 5 empty, then a row: an empty row in the middle.
        s.write_string(5, 0, "extra").unwrap();
    });
    let dir = project_with_records("content/staff.xlsx", &bytes, "sheet = \"名簿\"\n");
    let diags = handout_data(dir.path()).unwrap_err();
    let got = described(&diags);
    for w in [
        "content/staff.xlsx: sheet 名簿, cell C3: the cell holds the error value #REF!",
        "content/staff.xlsx: sheet 名簿, cell A5: empty row between records",
        "content/staff.xlsx: sheet 名簿, cell B6: `members[3].bureau` is empty, but it is required",
    ] {
        assert!(
            got.iter().any(|g| g.starts_with(w)),
            "missing `{w}` in:\n{}",
            got.join("\n")
        );
    }
    // The number 12 in the id column reads as the id "12": a valid id
    // (only the crosstalk schema's `covers` finds that `12` answers
    // nothing), and the date in `section` reads as 2026-04-01, a valid
    // string: neither is reported as a bad value.
    assert!(
        got.iter().any(|g| g.starts_with(
            "content/staff.xlsx: sheet 名簿, cell A2: `members[0]` (`12`) has no item in any"
        )),
        "{got:#?}"
    );
    assert!(
        !got.iter().any(|g| (g.contains("cell A2") && !g.contains("has no item"))
            || g.contains("cell D4")),
        "{got:#?}"
    );
    assert_eq!(
        got.iter().filter(|g| g.contains("cell C3")).count(),
        1,
        "{got:#?}"
    );
    // With the error and the gap fixed, the date reads as the sheet shows it.
    let bytes = xlsx(&rows, |s| {
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 4, 1).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        s.write_datetime_with_format(3, 3, &date, &format).unwrap();
    });
    let dir = project_with_records("content/staff.xlsx", &bytes, "sheet = \"名簿\"\n");
    let data = handout_data(dir.path()).unwrap_or_else(|d| panic!("{:?}", described(&d)));
    let Data::List(members) = data.get("members").unwrap() else {
        panic!()
    };
    assert_eq!(
        members[2].get("section").unwrap().plain().unwrap(),
        "2026-04-01"
    );
}

#[test]
fn a_merged_header_and_an_unknown_sheet_are_reported() {
    let rows = member_rows();
    let bytes = xlsx(&rows, |s| {
        let f = rust_xlsxwriter::Format::new();
        s.merge_range(0, 1, 0, 2, "所属", &f).unwrap();
    });
    let dir = project_with_records("content/staff.xlsx", &bytes, "sheet = \"名簿\"\n");
    let got = described(&handout_data(dir.path()).unwrap_err());
    assert!(
        got.iter().any(|g| g.starts_with(
            "content/staff.xlsx: sheet 名簿, cell C1: this header cell is part of the merged cell B1:C1"
        )),
        "{got:#?}"
    );
    assert!(
        got.iter().any(
            |g| g.starts_with("content/staff.xlsx: sheet 名簿, cell B1: unknown column `所属`")
        ),
        "{got:#?}"
    );
    let dir = project_with_records("content/staff.xlsx", &bytes, "sheet = \"名薄\"\n");
    let diags = handout_data(dir.path()).unwrap_err();
    let p = diags[0].position.as_ref().unwrap();
    assert_eq!(p.path, Path::new("pamphlet.toml"));
    assert!(
        diags[0].message.contains("no sheet named `名薄`"),
        "{:?}",
        diags[0]
    );
    assert_eq!(diags[0].hints, ["did you mean `名簿`?"]);
}

#[test]
fn changing_one_row_rebuilds_one_handout() {
    let mut rows = member_rows();
    let dir = project_with_records("content/members.csv", csv_of(&rows, ",").as_bytes(), "");
    let out = tempfile::tempdir().unwrap();
    assert_success(&build_into(&open(dir.path()), out.path(), |_| {}));
    rows[2][3] = "イノベーション推進課・第二".into();
    std::fs::write(dir.path().join("content/members.csv"), csv_of(&rows, ",")).unwrap();
    let report = build_into(&open(dir.path()), out.path(), |_| {});
    assert_success(&report);
    let built: Vec<String> = report
        .jobs
        .iter()
        .filter(|j| matches!(j.status, JobStatus::Built { .. }))
        .map(|j| j.job.describe())
        .collect();
    // itoen's handout, and the file with every handout.
    assert_eq!(
        built,
        [
            "publication `handout`, record `itoen`, print variant",
            "publication `handout`, print variant"
        ]
    );
    let text = pdf_pages(&out.path().join("handouts/itoen.pdf")).join("\n");
    assert!(
        compact(&text).contains("イノベーション推進課・第二"),
        "{text}"
    );
}

#[test]
fn the_cli_shows_the_csv_line_and_the_records_table_is_checked() {
    let csv = "id,bureau,department,section,dispatched_to\nSotetsu,a,b,c,d\n";
    let dir = project_with_records("content/members.csv", csv.as_bytes(), "");
    let out = run_in(dir.path(), &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    // The human report shows the CSV's line with the cell underlined.
    assert!(stderr.contains("content/members.csv:2:1"), "{stderr}");
    assert!(stderr.contains("Sotetsu,a,b,c,d"), "{stderr}");
    // A bad records table is an error at its line in the manifest.
    let dir = project_with_records("content/members.pdf", b"", "encoding = \"latin-9\"\n");
    let out = run_in(dir.path(), &["check", "--diagnostic-format", "short"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is not a spreadsheet pamphlet reads"),
        "{stderr}"
    );
    let dir = project_with_records(
        "content/members.csv",
        csv.as_bytes(),
        "encoding = \"latin-9\"\n",
    );
    let out = run_in(dir.path(), &["check", "--diagnostic-format", "short"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pamphlet.toml:") && stderr.contains("unknown encoding `latin-9`"),
        "{stderr}"
    );
}

/// `rows` as a spreadsheet program writes them: `separator` between
/// fields, `eol` after every line, fields quoted when they must be (or
/// always, `quote_all`), and `extra_columns` empty columns with empty
/// headers at the end of every line (what a sheet with formatted but empty
/// columns exports).
fn export(
    rows: &[Vec<String>],
    separator: &str,
    eol: &str,
    quote_all: bool,
    extra_columns: usize,
) -> String {
    let cell = |v: &str| {
        if quote_all || v.contains(separator) || v.contains('"') || v.contains('\n') {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        }
    };
    let line = |fields: Vec<String>| {
        let mut cells: Vec<String> = fields.iter().map(|f| cell(f)).collect();
        cells.extend(std::iter::repeat_n(String::new(), extra_columns));
        cells.join(separator) + eol
    };
    let mut out = line(COLUMNS.iter().map(|c| c.to_string()).collect());
    for r in rows {
        out += &line(r.clone());
    }
    out
}

fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

/// The handouts built from the default project with the members in YAML,
/// by record key.
fn yaml_handouts() -> &'static Vec<(String, Vec<u8>)> {
    static BUILT: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let out = tempfile::tempdir().unwrap();
        let report = build_into(session(), out.path(), |r| {
            r.publications = vec!["handout".into()]
        });
        assert_success(&report);
        ["sotetsu", "ntt-east", "itoen"]
            .iter()
            .map(|id| {
                let pdf = std::fs::read(out.path().join(format!("handouts/{id}.pdf"))).unwrap();
                (id.to_string(), pdf)
            })
            .collect()
    })
}

#[test]
fn exports_as_excel_libreoffice_and_sheets_write_them_build_the_yaml_handouts() {
    let rows = member_rows();
    let crlf = export(&rows, ",", "\r\n", false, 0);
    let mut excel_utf8 = b"\xEF\xBB\xBF".to_vec();
    excel_utf8.extend_from_slice(crlf.as_bytes());
    let (excel_cp932, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&crlf);
    assert!(!unmappable);
    let mut trailing = export(&rows, ",", "\n", false, 2);
    trailing += ",,,,,,\n,,,,,,\n";
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "Excel, CSV UTF-8 (BOM, CR LF)",
            "content/members.csv",
            excel_utf8,
        ),
        (
            "Excel, CSV (Shift_JIS, CR LF)",
            "content/members.csv",
            excel_cp932.to_vec(),
        ),
        (
            "Excel, Unicode text (UTF-16 LE, BOM, tabs, CR LF)",
            "content/members.txt",
            utf16le_with_bom(&export(&rows, "\t", "\r\n", false, 0)),
        ),
        (
            "LibreOffice, every field quoted (LF)",
            "content/members.csv",
            export(&rows, ",", "\n", true, 0).into_bytes(),
        ),
        (
            "empty columns and rows of delimiters at the end",
            "content/members.csv",
            trailing.into_bytes(),
        ),
        (
            "old Mac (lone CR)",
            "content/members.csv",
            export(&rows, ",", "\r", false, 0).into_bytes(),
        ),
    ];
    for (name, file, bytes) in cases {
        let dir = project_with_records(file, &bytes, "");
        let out = tempfile::tempdir().unwrap();
        let report = build_into(&open(dir.path()), out.path(), |_| {});
        assert!(
            report.success(),
            "{name}: {:#?}",
            described(&report.diagnostics.0)
        );
        for (id, yaml) in yaml_handouts() {
            let pdf = std::fs::read(out.path().join(format!("handouts/{id}.pdf"))).unwrap();
            assert!(
                pdf == *yaml,
                "{name}: handouts/{id}.pdf differs from the YAML's"
            );
        }
    }
}

#[test]
fn positions_follow_physical_lines_through_crlf_and_quoted_line_breaks() {
    // Row 2 holds a cell with a line break (Alt+Enter in Excel), so the
    // itoen row is physical line 5; its last cell is left empty.
    let csv = "id,bureau,department,section,dispatched_to\r\n\
               sotetsu,政策経営局,シティプロモーション推進室,\"広報戦略・\nプロモーション課\",相模鉄道株式会社\r\n\
               ntt-east,市民局,区政支援部,区政イノベーション推進課,東日本電信電話株式会社\r\n\
               itoen,経済局,ビジネスイノベーション部,イノベーション推進課,\r\n";
    let (cp932, _, _) = encoding_rs::SHIFT_JIS.encode(csv);
    let empty_at = "itoen,経済局,ビジネスイノベーション部,イノベーション推進課,"
        .chars()
        .count()
        + 1;
    for (encoding, bytes) in [
        ("UTF-8", csv.as_bytes().to_vec()),
        ("CP932", cp932.to_vec()),
    ] {
        let dir = project_with_records("content/members.csv", &bytes, "");
        let diags = handout_data(dir.path()).unwrap_err();
        let got = described(&diags);
        assert_eq!(
            got,
            [format!(
                "content/members.csv:5:{empty_at}: `members[2].dispatched_to` is empty, but it is required"
            )],
            "{encoding}"
        );
        // The report shows the row's own line.
        let p = diags[0].position.as_ref().unwrap();
        assert_eq!((p.line, p.end_line), (5, 5), "{encoding}");
    }
    // With the cell filled, the line break stays in its cell.
    let fixed = csv.replace("推進課,\r\n", "推進課,株式会社伊藤園\r\n");
    let dir = project_with_records("content/members.csv", fixed.as_bytes(), "");
    let data = handout_data(dir.path()).unwrap_or_else(|d| panic!("{:#?}", described(&d)));
    let Data::List(members) = data.get("members").unwrap() else {
        panic!()
    };
    assert_eq!(
        members[0].get("section").unwrap().plain().unwrap(),
        "広報戦略・\nプロモーション課"
    );
}

#[test]
fn one_check_finds_every_problem_of_a_csv_each_at_its_cell() {
    // A misspelt extra column next to the right one, an error value and a
    // duplicate id: all three in one run (a header problem does not hide
    // the cells), the misspelt column left out.
    let csv = "id,bureau,department,section,dispatched_to,dispached_to\r\n\
               sotetsu,政策経営局,シティプロモーション推進室,広報戦略・プロモーション課,相模鉄道株式会社,\r\n\
               ntt-east,市民局,#REF!,区政イノベーション推進課,東日本電信電話株式会社,\r\n\
               sotetsu,経済局,ビジネスイノベーション部,イノベーション推進課,株式会社伊藤園,伊藤園\r\n";
    let dir = project_with_records("content/members.csv", csv.as_bytes(), "");
    let diags = handout_data(dir.path()).unwrap_err();
    let got = described(&diags);
    for w in [
        "content/members.csv:1:44: unknown column `dispached_to`: the items of `members` have no such field",
        "content/members.csv:3:14: the cell holds the error value #REF!",
        "content/members.csv:4:1: duplicate id `sotetsu` in `members`",
    ] {
        assert!(
            got.iter().any(|g| g == w),
            "missing `{w}` in:\n{}",
            got.join("\n")
        );
    }
    let typo = diags
        .iter()
        .find(|d| d.message.contains("dispached_to"))
        .unwrap();
    assert_eq!(typo.hints, ["did you mean `dispatched_to`?"]);
    // A required column missing is one problem at the header, not one per
    // row, and the rows' own problems are still found.
    let csv = "id,bureau,department,section\n\
               sotetsu,政策経営局,シティプロモーション推進室,広報戦略・プロモーション課\n\
               ntt-east,市民局,#N/A,区政イノベーション推進課\n";
    let dir = project_with_records("content/members.csv", csv.as_bytes(), "");
    let got = described(&handout_data(dir.path()).unwrap_err());
    assert!(
        got.iter().any(|g| g.starts_with(
            "content/members.csv:1:1: no column `dispatched_to`: every item of `members` needs one"
        )),
        "{got:#?}"
    );
    assert!(
        got.iter()
            .any(|g| g == "content/members.csv:3:14: the cell holds the error value #N/A"),
        "{got:#?}"
    );
    assert!(!got.iter().any(|g| g.contains("missing field")), "{got:#?}");
}

#[test]
fn one_check_finds_every_problem_of_a_workbook_each_at_its_cell() {
    let rows = member_rows();
    let bytes = xlsx(&rows, |s| {
        // A misspelt extra header next to the right one.
        s.write_string(0, 5, "dispached_to").unwrap();
        // An error value, and the third member's id made the first's.
        let f = rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!");
        s.write_formula(2, 1, f).unwrap();
        s.write_string(3, 0, "sotetsu").unwrap();
    });
    let dir = project_with_records("content/staff.xlsx", &bytes, "sheet = \"名簿\"\n");
    let diags = handout_data(dir.path()).unwrap_err();
    let got = described(&diags);
    for w in [
        "content/staff.xlsx: sheet 名簿, cell F1: unknown column `dispached_to`: the items of `members` have no such field",
        "content/staff.xlsx: sheet 名簿, cell B3: the cell holds the error value #DIV/0!",
        "content/staff.xlsx: sheet 名簿, cell A4: duplicate id `sotetsu` in `members`",
    ] {
        assert!(
            got.iter().any(|g| g == w),
            "missing `{w}` in:\n{}",
            got.join("\n")
        );
    }
}

#[test]
fn a_member_missing_from_the_sheet_is_one_problem_naming_every_answer() {
    // The itoen row left out: its five answers name a member that is not
    // there. One problem, at the first answer, the others in its hint.
    let rows: Vec<Vec<String>> = member_rows().into_iter().take(2).collect();
    let dir = project_with_records(
        "content/members.csv",
        export(&rows, ",", "\r\n", false, 0).as_bytes(),
        "",
    );
    let diags = handout_data(dir.path()).unwrap_err();
    let dangling: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.message.starts_with("`itoen` is not the id"))
        .collect();
    assert_eq!(dangling.len(), 1, "{:#?}", described(&diags));
    let yaml = std::fs::read_to_string(dir.path().join("content/crosstalk.yaml")).unwrap();
    let lines: Vec<usize> = yaml
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "- member: itoen")
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 5);
    let d = dangling[0];
    assert_eq!(d.position.as_ref().unwrap().line, lines[0]);
    let others: Vec<String> = lines[1..].iter().map(|l| format!("line {l}")).collect();
    assert!(
        d.hints
            .iter()
            .any(|h| h == &format!("`itoen` is also named on {}", others.join(", "))),
        "{:?}",
        d.hints
    );
}
