//! A real browser for the tests: headless Chromium driven through Debian's
//! `chromedriver` over the WebDriver HTTP protocol (its
//! `--virtual-time-budget` never finishes while a server-sent-events
//! stream is open), and a minimal HTTP response reader.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Reads a response: `(status, body)`, the body as long as its
/// `Content-Length` says, else up to the end of the connection.
pub fn response(s: TcpStream) -> (u16, Vec<u8>) {
    let mut r = BufReader::new(s);
    let mut status = 0;
    let mut length = None;
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if status == 0 {
            status = line.split(' ').nth(1).unwrap().parse().unwrap();
        } else if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            r.read_exact(&mut body).unwrap();
        }
        None => {
            r.read_to_end(&mut body).unwrap();
        }
    }
    (status, body)
}

/// A WebDriver session in headless Chromium, driven by Debian's
/// `chromedriver` over its HTTP protocol.
pub struct Browser {
    driver: Child,
    addr: SocketAddr,
    session: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.call("DELETE", "", None);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session.
    pub fn start() -> Browser {
        crate::common::require("chromium");
        crate::common::require("chromedriver");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut browser = Browser {
            driver,
            addr,
            session: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = serde_json::json!({"capabilities": {"alwaysMatch": {
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1000,800"]
            }
        }}});
        let created = browser.call("POST", "/session", Some(caps));
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_string();
        browser
    }

    /// A WebDriver command; `path` is under the session (or `/session` to
    /// make one). Returns its `value`.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = if self.session.is_empty() {
            path.to_string()
        } else {
            format!("/session/{}{path}", self.session)
        };
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut s = TcpStream::connect(self.addr).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .unwrap();
        let (_, body) = response(s);
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        v["value"].clone()
    }

    /// Runs `script` in the page; its value.
    pub fn run(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(serde_json::json!({"script": script, "args": []})),
        )
    }

    /// Runs `script` until it returns something truthy.
    pub fn until(&self, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let v = self.run(script);
            if !(v.is_null() || v == false) {
                return v;
            }
            if Instant::now() >= deadline {
                // What was loaded (a request never answered has no entry), and
                // what shows.
                let page = self.run(
                    "return JSON.stringify({loaded: performance.getEntriesByType('resource')
                        .map(e => [e.name, e.responseStatus]),
                        body: document.body.innerHTML.slice(0, 2000)})",
                );
                panic!("never true: {script}\nthe page: {page}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Browser {
    /// Opens `url`.
    pub fn open(&self, url: &str) {
        self.call("POST", "/url", Some(serde_json::json!({ "url": url })));
    }

    /// Sets the window's size in CSS pixels.
    pub fn resize(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "/window/rect",
            Some(serde_json::json!({ "width": width, "height": height })),
        );
    }

    /// A screenshot of the window, as PNG.
    pub fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let v = self.call("GET", "/screenshot", None);
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("a screenshot"))
            .expect("base64")
    }
}
