//! The fingerprint of a job: everything its PDF depends on besides the
//! files Typst read (those are recorded with their hashes separately, see
//! [`super::state`]).
//!
//! The settings are a typed, serialised struct — not the `Debug` text of
//! several types — so that a harmless change to how a type prints cannot
//! rebuild every output, or, worse, leave one unbuilt whose settings
//! changed. A new setting that shapes the PDF gets a field here.

use std::path::Path;

use serde::Serialize;

use super::state::{hash_bytes, hex};
use crate::compile::{CompileOptions, Inputs, Job};
use crate::prepare::Prepared;
use crate::project::{PageRule, PrintSettings, Variant};

/// Bumped when the meaning of a field changes: every output is rebuilt once.
const FORMAT: u32 = 1;

/// What a job's PDF depends on, apart from the files Typst read.
#[derive(Debug, Serialize)]
struct Fingerprint<'a> {
    format: u32,
    /// pamphlet's and Typst's versions.
    tool: &'a str,
    /// Every font file the project sees, by content hash.
    fonts: &'a str,
    variant: Variant,
    publication: PublicationSettings<'a>,
    build: BuildSettings,
    /// A stable hash of the `sys.inputs` the job's batch shares.
    shared: String,
    /// A hash of the job's own data.
    data: String,
}

/// The settings of a publication that shape its PDFs.
#[derive(Debug, Serialize)]
struct PublicationSettings<'a> {
    layout: &'a Path,
    print: &'a PrintSettings,
    pages: &'a PageRule,
    print_standards: &'a [String],
    screen_standards: &'a [String],
    output: &'a str,
    screen_output: &'a str,
    each: Option<&'a str>,
    key: &'a str,
    scope: crate::project::Scope,
    /// The PDF/X output profile, by content hash.
    output_profile: Option<String>,
}

/// The options of a build that shape its PDFs.
#[derive(Debug, Serialize)]
struct BuildSettings {
    creation_timestamp: Option<i64>,
    png_ppi: Option<f64>,
}

/// What the fingerprints of one build's jobs share.
#[derive(Debug, Clone, Copy)]
pub struct Shared<'a> {
    /// The tool's identity ([`super::state::tool_id`]).
    pub tool: &'a str,
    /// The fonts' fingerprint ([`super::fonts_fingerprint`]).
    pub fonts: &'a str,
    /// The options every compilation of the build has.
    pub options: &'a CompileOptions,
}

/// The fingerprint of `job` (of `prepared`, with `inputs`) in a build that
/// shares `shared`, as a hex string.
pub fn of(job: &Job, prepared: &Prepared, inputs: &Inputs, shared: &Shared) -> String {
    let p = &prepared.publication;
    let fingerprint = Fingerprint {
        format: FORMAT,
        tool: shared.tool,
        fonts: shared.fonts,
        variant: job.variant,
        publication: PublicationSettings {
            layout: &p.layout.rel,
            print: &p.print,
            pages: &p.pages,
            print_standards: &p.print_standards,
            screen_standards: &p.screen_standards,
            output: &p.output,
            screen_output: &p.screen_output,
            each: p.each.as_deref(),
            key: &p.key,
            scope: p.scope,
            output_profile: prepared.output_profile.as_ref().map(|o| hex(o.hash)),
        },
        build: BuildSettings {
            creation_timestamp: shared.options.creation_timestamp,
            png_ppi: shared.options.png_ppi,
        },
        shared: hex(inputs.shared),
        data: hash_bytes(inputs.data.as_slice()),
    };
    // Plain data (strings, numbers, options): serialising cannot fail.
    let encoded = serde_json::to_vec(&fingerprint).expect("settings serialise to JSON");
    hex(typst::utils::hash128(&encoded))
}
