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
        "max_pages = 2\n",
        &format!("max_pages = 2\n\n[publications.handout.records]\nfile = \"{file}\"\n{extra}"),
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
    assert_eq!(built.len(), 1, "{built:?}");
    assert!(built[0].contains("itoen"), "{built:?}");
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
