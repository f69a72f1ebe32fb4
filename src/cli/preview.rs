//! `pamphlet preview`: a page in the browser that shows one publication's
//! pages and follows every save.
//!
//! The warm session and the loop are `watch`'s ([`Watching`]); instead of
//! building PDFs, each round renders the chosen output
//! ([`pamphlet::Session::preview`]) and pushes the new state to every open
//! page over server-sent events. Routes (everything else is 404):
//!
//! - `GET /`: the page (`preview.html`);
//! - `GET /events`: the state, then every new one, as server-sent events;
//! - `GET /state.json`: the state now;
//! - `GET /page/G/N.png`: page N of generation G (the current and the one
//!   before, so that a page being swapped still loads);
//! - `POST /select`: `{"publication": …, "record": …}` shows another output.
//!
//! It listens on 127.0.0.1 unless `--host` says otherwise, and answers only
//! requests addressed to the host it listens on (no DNS rebinding).

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde::Serialize;
use tiny_http::{Header, Method, Request, Response, Server};

use pamphlet::compile::preview::Spot;
use pamphlet::diag::{Diagnostic, Diagnostics};
use pamphlet::{Error, Preview, Variant};

use super::args::PreviewArgs;
use super::terminal;
use super::watch::{Change, Wake, Watching};

/// The page the browser loads.
const PAGE: &str = include_str!("preview.html");

/// How often an idle event stream says it is alive (and finds out the
/// browser left).
const KEEPALIVE: Duration = Duration::from_secs(15);

/// What is shown, as the browser chose it.
#[derive(Debug, Clone, Default)]
struct Selection {
    publication: String,
    record: Option<String>,
    variant: Option<Variant>,
}

/// The state shared by the loop and the HTTP threads.
#[derive(Default)]
struct Shared {
    selection: Selection,
    /// Increases with every state.
    generation: u64,
    /// The state as JSON.
    state: String,
    /// The generation of the pages shown, and their PNGs.
    pages: (u64, Vec<Vec<u8>>),
    /// The pages before those.
    previous: (u64, Vec<Vec<u8>>),
    /// The pages shown, as the state lists them (URL, size, spots).
    shown: Vec<Shown>,
    /// The open event streams.
    clients: Vec<mpsc::Sender<String>>,
}

/// Runs the command until interrupted.
pub fn run(args: &PreviewArgs) -> Result<ExitCode, Error> {
    if !(1.0..=600.0).contains(&args.ppi) {
        return Err(Error::Usage(format!(
            "--ppi {} is out of range (1 to 600)",
            args.ppi
        )));
    }
    let mut watching = Watching::start(&args.project.project, &args.project.session_options())?;
    let names: Vec<String> = (watching.session.project.publications.iter())
        .map(|p| p.name.clone())
        .collect();
    let publication = match &args.publication {
        Some(name) if !names.contains(name) => {
            return Err(pamphlet::prepare::UnknownPublication::new(
                &watching.session.project,
                name,
            )
            .into());
        }
        Some(name) => name.clone(),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| Error::Usage("pamphlet.toml has no publication".into()))?,
    };
    let address = SocketAddr::new(args.host, args.port);
    let server = Server::http(address).map_err(|e| Error::Listen {
        address,
        source: std::io::Error::other(e),
    })?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| Error::Usage("not an IP address".into()))?;
    let shared = Arc::new(Mutex::new(Shared {
        selection: Selection {
            publication,
            record: args.record.clone(),
            variant: args.variant.map(Into::into),
        },
        ..Shared::default()
    }));
    if !addr.ip().is_loopback() {
        eprintln!("warning: serving on {addr}: other machines on the network can see the content");
    }
    // The URL goes out whatever the verbosity: a caller on port 0 needs it.
    eprintln!("[preview] http://{addr}/ (Ctrl-C to stop)");
    {
        let shared = shared.clone();
        let waker = watching.waker();
        let names = names.clone();
        std::thread::spawn(move || serve(server, addr, shared, waker, names));
    }
    let round = |watching: &Watching, changed: &[std::path::PathBuf], started: Instant| {
        let selection = lock(&shared).selection.clone();
        let preview = watching.session.preview(
            &selection.publication,
            selection.record.as_deref(),
            selection.variant,
            args.ppi,
        );
        let preview = preview.unwrap_or_else(|e| {
            let mut p = Preview::default();
            p.rendered
                .diagnostics
                .push(pamphlet::diag::Diagnostic::error(None, e.to_string()));
            p
        });
        let diagnostics = Diagnostics(preview.rendered.diagnostics.clone());
        terminal::emit(&diagnostics, &preview.rendered.sources, &args.diagnostics);
        publish(&shared, &names, watching, preview, changed, started);
    };
    round(&watching, &[], Instant::now());
    while let Some(change) = watching.next() {
        let Change {
            changed,
            started,
            broken,
        } = change;
        match broken {
            None => round(&watching, &changed, started),
            Some(report) => {
                terminal::emit(&report.diagnostics, &report.sources, &args.diagnostics);
                let mut p = Preview::default();
                p.rendered.diagnostics = report.diagnostics.0;
                publish(&shared, &names, &watching, p, &changed, started);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

/// The state every open page is told, as JSON.
#[derive(Serialize)]
struct State<'a> {
    generation: u64,
    publications: &'a [String],
    publication: String,
    record: Option<String>,
    records: Vec<String>,
    variant: Option<String>,
    /// The pages shown (the last good ones while the content is broken).
    pages: Vec<Shown>,
    /// Whether the pages are the last good ones, not the content's now.
    stale: bool,
    diagnostics: Vec<Problem<'a>>,
    /// The files whose change led to this state.
    changed: Vec<String>,
    latency_ms: u64,
}

/// A page as the state lists it.
#[derive(Debug, Clone, Serialize)]
struct Shown {
    url: String,
    width: u32,
    height: u32,
    spots: Vec<Spot>,
}

/// A diagnostic as `--diagnostic-format json` writes it, and where it is
/// as the terminal says it (`file:line:column`, or sheet and cell).
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(flatten)]
    diagnostic: &'a Diagnostic,
    at: Option<String>,
}

/// Makes `preview` the new state: new pages if it has them (else the last
/// good ones stay, marked stale), and tells every open page. The state is
/// made outside the lock; the lock is held to swap the pages and to send.
fn publish(
    shared: &Mutex<Shared>,
    names: &[String],
    watching: &Watching,
    preview: Preview,
    changed: &[std::path::PathBuf],
    started: Instant,
) {
    let root = watching.root();
    let stale = preview.rendered.pages.is_none();
    let mut pngs = Vec::new();
    let mut shapes = Vec::new();
    for page in preview.rendered.pages.into_iter().flatten() {
        shapes.push((page.width, page.height, page.spots));
        pngs.push(page.png);
    }
    let (generation, selection, pages) = {
        let mut s = lock(shared);
        s.generation += 1;
        let generation = s.generation;
        if !stale {
            let old = std::mem::replace(&mut s.pages, (generation, pngs));
            s.previous = old;
            s.selection.record = preview.record.clone();
            s.selection.variant = preview.variant;
            s.selection.publication = preview.publication.clone();
            // The last good pages stay in the state until new ones come.
            s.shown = shapes
                .into_iter()
                .enumerate()
                .map(|(i, (width, height, spots))| Shown {
                    url: format!("/page/{generation}/{}.png", i + 1),
                    width,
                    height,
                    spots,
                })
                .collect();
        }
        (generation, s.selection.clone(), s.shown.clone())
    };
    let changed: Vec<String> = changed
        .iter()
        .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
        .collect();
    let diagnostics = &preview.rendered.diagnostics;
    let shown = pages.len();
    let state = State {
        generation,
        publications: names,
        publication: selection.publication,
        record: selection.record,
        records: preview.records,
        variant: selection.variant.map(|v| v.to_string()),
        pages,
        stale,
        diagnostics: diagnostics
            .iter()
            .map(|d| Problem {
                diagnostic: d,
                at: d.position.as_ref().map(ToString::to_string),
            })
            .collect(),
        changed,
        latency_ms: started.elapsed().as_millis() as u64,
    };
    let message = serde_json::to_string(&state).unwrap_or_default();
    {
        let mut s = lock(shared);
        s.state = message.clone();
        s.clients.retain(|c| c.send(message.clone()).is_ok());
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    say!(
        "[preview] {} in {} ms: {}{}",
        if state.changed.is_empty() {
            "shown".to_string()
        } else {
            format!("{} changed; updated", state.changed.join(", "))
        },
        started.elapsed().as_millis(),
        if stale {
            format!("{errors} error(s), last good pages kept")
        } else {
            format!("{shown} page(s)")
        },
        if errors > 0 && !stale {
            format!(", {errors} error(s)")
        } else {
            String::new()
        },
    );
}

/// Answers requests until the process ends.
fn serve(
    server: Server,
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    waker: mpsc::Sender<Wake>,
    names: Vec<String>,
) {
    let hosts = allowed_hosts(addr);
    for request in server.incoming_requests() {
        let host = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Host"))
            .map(|h| h.value.as_str().to_string());
        if !host.is_some_and(|h| hosts.contains(&h)) {
            let _ = request.respond(Response::from_string("unknown host").with_status_code(421));
            continue;
        }
        let path = request.url().split('?').next().unwrap_or("/").to_string();
        match (request.method(), path.as_str()) {
            (Method::Get, "/") => {
                let _ = request.respond(with_type(
                    Response::from_string(PAGE),
                    "text/html; charset=utf-8",
                ));
            }
            (Method::Get, "/state.json") => {
                let state = lock(&shared).state.clone();
                let _ =
                    request.respond(with_type(Response::from_string(state), "application/json"));
            }
            (Method::Get, "/events") => events(request, &shared),
            (Method::Get, p) if p.starts_with("/page/") => {
                let png = page(&lock(&shared), p);
                let _ = match png {
                    Some(png) => request.respond(
                        with_type(Response::from_data(png), "image/png")
                            .with_header(header("Cache-Control", "max-age=31536000, immutable")),
                    ),
                    None => request.respond(not_found()),
                };
            }
            (Method::Post, "/select") => select(request, &shared, &waker, &names),
            _ => {
                let _ = request.respond(not_found());
            }
        }
    }
}

/// The `Host` headers a request to `addr` may carry.
fn allowed_hosts(addr: SocketAddr) -> Vec<String> {
    let port = addr.port();
    let mut hosts = vec![addr.to_string()];
    if addr.ip().is_loopback() {
        hosts.extend([
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
        ]);
    }
    hosts
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("an ASCII header")
}

fn with_type<R: Read>(r: Response<R>, content_type: &str) -> Response<R> {
    r.with_header(header("Content-Type", content_type))
}

fn not_found() -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_string("not found").with_status_code(404)
}

/// Page `N` of generation `G` from `/page/G/N.png`.
fn page(s: &Shared, path: &str) -> Option<Vec<u8>> {
    let rest = path.strip_prefix("/page/")?.strip_suffix(".png")?;
    let (generation, n) = rest.split_once('/')?;
    let (generation, n): (u64, usize) = (generation.parse().ok()?, n.parse().ok()?);
    let pages = [&s.pages, &s.previous]
        .into_iter()
        .find(|(g, _)| *g == generation)?;
    pages.1.get(n.checked_sub(1)?).cloned()
}

/// `POST /select`: another publication, record or variant.
fn select(
    mut request: Request,
    shared: &Mutex<Shared>,
    waker: &mpsc::Sender<Wake>,
    names: &[String],
) {
    let mut body = String::new();
    let parsed = request
        .as_reader()
        .take(64 * 1024)
        .read_to_string(&mut body)
        .ok()
        .and_then(|_| serde_json::from_str::<serde_json::Value>(&body).ok());
    let Some(value) = parsed else {
        let _ = request.respond(Response::from_string("expected JSON").with_status_code(400));
        return;
    };
    let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(String::from);
    {
        let mut s = lock(shared);
        if let Some(p) = text("publication") {
            if !names.contains(&p) {
                let _ = request.respond(not_found());
                return;
            }
            if p != s.selection.publication {
                s.selection.record = None;
            }
            s.selection.publication = p;
        }
        if let Some(r) = text("record") {
            s.selection.record = Some(r);
        }
    }
    let _ = waker.send(Wake::Poke);
    let _ = request.respond(Response::empty(204));
}

/// `GET /events`: the state now, then each new one, until the browser
/// leaves.
fn events(request: Request, shared: &Mutex<Shared>) {
    let (tx, rx) = mpsc::channel::<String>();
    let first = {
        let mut s = lock(shared);
        s.clients.push(tx);
        s.state.clone()
    };
    let mut out = request.into_writer();
    std::thread::spawn(move || {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\n";
        let mut send = |text: &str| -> std::io::Result<()> {
            out.write_all(text.as_bytes())?;
            out.flush()
        };
        if send(head).is_err()
            || (!first.is_empty() && send(&format!("data: {first}\n\n")).is_err())
        {
            return;
        }
        loop {
            let sent = match rx.recv_timeout(KEEPALIVE) {
                Ok(state) => send(&format!("data: {state}\n\n")),
                Err(mpsc::RecvTimeoutError::Timeout) => send(": alive\n\n"),
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            };
            if sent.is_err() {
                return;
            }
        }
    });
}
