//! `pamphlet preview`: the server, started on an ephemeral port, seen over
//! plain HTTP and server-sent events, and once in a real headless browser.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::browser::{Browser, response};
use crate::common::{copy_project, edit, fonts};

/// A running `pamphlet preview` on a copy of the default project.
struct Server {
    child: Child,
    addr: SocketAddr,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        copy_project(dir.path());
        let mut child = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
            .arg("preview")
            .args(args)
            .args(["--port", "0", "--project"])
            .arg(dir.path())
            .arg("--font-path")
            .arg(fonts())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the preview says where it listens");
        let url = line
            .strip_prefix("[preview] http://")
            .and_then(|s| s.split('/').next())
            .unwrap_or_else(|| panic!("unexpected first line: {line}"));
        let addr: SocketAddr = url.parse().unwrap();
        // Keep draining stderr so that the child never blocks on it.
        std::thread::spawn(move || while rx.recv().is_ok() {});
        Server { child, addr, dir }
    }

    fn content(&self) -> std::path::PathBuf {
        self.dir.path().join("content/crosstalk.yaml")
    }

    /// `(status, body)` of a request.
    fn request(&self, method: &str, path: &str, host: Option<&str>, body: &str) -> (u16, Vec<u8>) {
        let mut s = TcpStream::connect(self.addr).unwrap();
        let host = host.map_or(self.addr.to_string(), String::from);
        write!(
            s,
            "{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        response(s)
    }

    fn get(&self, path: &str) -> (u16, Vec<u8>) {
        self.request("GET", path, None, "")
    }

    /// The states the server pushes, as they come.
    fn events(&self) -> mpsc::Receiver<Value> {
        let mut s = TcpStream::connect(self.addr).unwrap();
        write!(
            s,
            "GET /events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
            self.addr
        )
        .unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(s).lines().map_while(Result::ok) {
                if let Some(data) = line.strip_prefix("data: ")
                    && tx.send(serde_json::from_str(data).unwrap()).is_err()
                {
                    return;
                }
            }
        });
        rx
    }
}

/// The next state pushed after `generation`.
fn next_after(rx: &mpsc::Receiver<Value>, generation: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(state) = rx.recv_timeout(Duration::from_millis(100))
            && state["generation"].as_u64().unwrap() > generation
        {
            return state;
        }
    }
    panic!("no state after generation {generation}");
}

fn spots(state: &Value) -> Vec<&Value> {
    state["pages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["spots"].as_array().unwrap())
        .collect()
}

/// The 1-based line of the first occurrence of `needle` in `path`.
fn line_of(path: &std::path::Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    text[..text.find(needle).unwrap()].matches('\n').count() + 1
}

#[test]
fn preview_pushes_each_edit_and_keeps_the_last_good_pages_while_broken() {
    let server = Server::start(&[]);
    assert!(server.addr.ip().is_loopback(), "{}", server.addr);
    let (status, page) = server.get("/");
    assert_eq!(status, 200);
    assert!(
        String::from_utf8(page)
            .unwrap()
            .contains("EventSource(\"/events\")")
    );

    let events = server.events();
    let first = next_after(&events, 0);
    assert_eq!(first["publication"], "crosstalk");
    assert_eq!(first["stale"], false);
    let pages = first["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 4, "the crosstalk has four pages");
    // Each page is a PNG of the size the state gives.
    for p in pages {
        let (status, png) = server.get(p["url"].as_str().unwrap());
        assert_eq!(status, 200);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let (w, h) = (
            u32::from_be_bytes(png[16..20].try_into().unwrap()),
            u32::from_be_bytes(png[20..24].try_into().unwrap()),
        );
        assert_eq!(
            (w as u64, h as u64),
            (p["width"].as_u64().unwrap(), p["height"].as_u64().unwrap())
        );
    }
    // A line of text names its field and its line in the content.
    let heading = spots(&first)
        .into_iter()
        .find(|s| s["text"] == "人事交流とは?")
        .expect("the heading is on a page");
    assert_eq!(heading["field"], "exchange.heading");
    let line = line_of(&server.content(), "heading: 人事交流とは?");
    assert_eq!(heading["at"], format!("content/crosstalk.yaml:{line}:12"));

    // Nothing outside the served set, and nothing for another host name.
    for path in [
        "/etc/passwd",
        "/../pamphlet.toml",
        "/content/crosstalk.yaml",
        "/page/99/1.png",
        "/page/1/9.png",
    ] {
        assert_eq!(server.get(path).0, 404, "{path}");
    }
    assert_eq!(
        server
            .request("GET", "/", Some("attacker.example:80"), "")
            .0,
        421
    );

    // An edit is pushed.
    edit(
        &server.content(),
        "heading: 人事交流とは?",
        "heading: 人事交流とは何か?",
    );
    let edited = next_after(&events, first["generation"].as_u64().unwrap());
    assert_eq!(edited["stale"], false);
    assert_eq!(edited["changed"][0], "content/crosstalk.yaml");
    assert!(
        spots(&edited)
            .iter()
            .any(|s| s["text"] == "人事交流とは何か?")
    );
    assert_ne!(edited["pages"][0]["url"], first["pages"][0]["url"]);

    // A broken edit: its problem at its line, and the last good pages stay.
    edit(
        &server.content(),
        "heading: 人事交流とは何か?",
        "heading: [人事交流",
    );
    let broken = next_after(&events, edited["generation"].as_u64().unwrap());
    assert_eq!(broken["stale"], true);
    let at = broken["diagnostics"][0]["at"].as_str().unwrap();
    assert!(at.starts_with("content/crosstalk.yaml:"), "{broken}");
    assert_eq!(broken["pages"], edited["pages"]);
    assert_eq!(
        server.get(edited["pages"][0]["url"].as_str().unwrap()).0,
        200
    );
}

#[test]
fn many_keep_alive_connections_at_once_are_all_answered() {
    // A browser holds its connections open (keep-alive) and opens several
    // at once for a page's images; with the event stream holding one more,
    // every request must still be read and answered. (tiny_http's thread
    // pool queued a connection accepted while a thread was waking up behind
    // connections that never end: see vendor/README.md.)
    let server = Server::start(&[]);
    let _events = server.events();
    let mut held = Vec::new();
    for round in 0..4 {
        let streams: Vec<TcpStream> = (0..8)
            .map(|_| TcpStream::connect(server.addr).unwrap())
            .collect();
        let answers: Vec<_> = streams
            .into_iter()
            .map(|mut s| {
                let addr = server.addr;
                std::thread::spawn(move || {
                    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                    write!(s, "GET /state.json HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
                    let (status, _) = response(s.try_clone().unwrap());
                    (status, s)
                })
            })
            .collect();
        for a in answers {
            let (status, s) = a.join().expect("answered within 20 s");
            assert_eq!(status, 200, "round {round}");
            // Kept open, as a browser keeps it.
            held.push(s);
        }
    }
}

#[test]
fn preview_follows_the_record_chosen_and_listens_on_loopback_only() {
    let server = Server::start(&["handout", "--record", "ntt-east"]);
    let events = server.events();
    let first = next_after(&events, 0);
    assert_eq!(first["publication"], "handout");
    assert_eq!(first["record"], "ntt-east");
    let records: Vec<&str> = first["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(records, ["sotetsu", "ntt-east", "itoen"]);

    let (status, _) = server.request("POST", "/select", None, r#"{"record": "itoen"}"#);
    assert_eq!(status, 204);
    let chosen = next_after(&events, first["generation"].as_u64().unwrap());
    assert_eq!(chosen["record"], "itoen");
    assert!(
        spots(&chosen).iter().any(|s| s["text"] == "株式会社伊藤園"),
        "{chosen}"
    );
    assert_eq!(server.request("POST", "/select", None, "not json").0, 400);
    assert_eq!(
        server
            .request("POST", "/select", None, r#"{"publication": "nope"}"#)
            .0,
        404
    );

    // This machine's address on its network (if it has one) is not served.
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    if probe.connect("192.0.2.1:9").is_ok()
        && let Ok(local) = probe.local_addr()
        && !local.ip().is_loopback()
        && !local.ip().is_unspecified()
    {
        let outside = SocketAddr::new(local.ip(), server.addr.port());
        assert!(
            TcpStream::connect_timeout(&outside, Duration::from_secs(2)).is_err(),
            "the preview answers on {outside}"
        );
    }
}

#[test]
fn a_headless_browser_shows_the_pages_follows_an_edit_and_names_the_field_clicked() {
    let server = Server::start(&[]);
    let browser = Browser::start();
    browser.call(
        "POST",
        "/url",
        Some(serde_json::json!({"url": format!("http://{}/", server.addr)})),
    );
    let loaded = "const imgs = [...document.querySelectorAll('#pages img')];
        return imgs.length === 4 && imgs.every(i => i.complete && i.naturalWidth > 0)
            && Number(document.body.dataset.generation)";
    let first = browser.until(loaded).as_u64().unwrap();
    // Scrolled to the third page; an edit must not move it.
    let y = browser.run("window.scrollTo(0, 2000); return window.scrollY;");
    assert_eq!(y, 2000);

    edit(
        &server.content(),
        "heading: 人事交流とは?",
        "heading: 人事交流とは何か?",
    );
    let script =
        format!("return Number(document.body.dataset.generation) > {first} && state.generation");
    browser.until(&script);
    assert_eq!(browser.run("return window.scrollY;"), 2000);
    let srcs = browser.run("return [...document.querySelectorAll('#pages img')].map(i => i.src)");
    assert!(
        srcs[0]
            .as_str()
            .unwrap()
            .contains(&format!("/page/{}/1.png", first + 1)),
        "{srcs}"
    );

    // A click on the heading names its field and line.
    let info = browser.run(
        "const page = state.pages.findIndex(p => p.spots.some(s => s.text === '人事交流とは何か?'));
         const spot = state.pages[page].spots.find(s => s.text === '人事交流とは何か?');
         const img = document.querySelectorAll('#pages img')[page];
         img.scrollIntoView();
         const r = img.getBoundingClientRect();
         img.dispatchEvent(new MouseEvent('click', {bubbles: true,
             clientX: r.left + (spot.x + spot.w / 2) * r.width,
             clientY: r.top + (spot.y + spot.h / 2) * r.height}));
         return document.getElementById('info').textContent;",
    );
    let line = line_of(&server.content(), "heading: 人事交流とは何か?");
    assert_eq!(
        info,
        format!("content/crosstalk.yaml:{line}:12: exchange.heading 「人事交流とは何か?」")
    );

    // A broken edit: the problem over the pages, which stay.
    edit(
        &server.content(),
        "heading: 人事交流とは何か?",
        "heading: [人事交流",
    );
    let problem = browser.until(
        "const li = document.querySelector('#problems li.error');
         return document.getElementById('status').className === 'broken' && li && li.textContent",
    );
    assert!(
        problem
            .as_str()
            .unwrap()
            .starts_with("content/crosstalk.yaml:"),
        "{problem}"
    );
    assert_eq!(
        browser.run("return document.querySelectorAll('#pages img').length"),
        4
    );
}
