//! UDP: blocking receive on shared sockets, handler called on the receiving
//! thread; sends go straight to `send_to`.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use socket2::{Domain, Socket, Type};
use tracing::{debug, warn};

use super::{guarded, Destination, Handler, Protocol, ReceiveInfo, SendError, Transports};

/// Requested socket buffer sizes; the kernel caps them at
/// net.core.rmem_max / wmem_max.
const UDP_RCVBUF: usize = 4 * 1024 * 1024;
const UDP_SNDBUF: usize = 1024 * 1024;
/// Workers wake up this often to check for shutdown even if the wake-up
/// datagrams sent by `shutdown` are lost.
const RECV_TIMEOUT: Duration = Duration::from_millis(1000);

pub(crate) struct UdpListener {
    pub(crate) sock: UdpSocket,
    pub(crate) local: SocketAddr,
}

impl UdpListener {
    pub(crate) fn bind(addr: SocketAddr) -> io::Result<UdpListener> {
        let named = |e: io::Error| io::Error::new(e.kind(), format!("cannot listen on udp:{addr}: {e}"));
        let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(socket2::Protocol::UDP))
            .map_err(named)?;
        if addr.is_ipv6() {
            // so that udp:[::]:5060 and udp:0.0.0.0:5060 can both be listened on
            s.set_only_v6(true).map_err(named)?;
        }
        if let Err(e) = s.set_recv_buffer_size(UDP_RCVBUF) {
            warn!("udp:{addr}: cannot set SO_RCVBUF: {e}");
        }
        if let Err(e) = s.set_send_buffer_size(UDP_SNDBUF) {
            warn!("udp:{addr}: cannot set SO_SNDBUF: {e}");
        }
        s.bind(&addr.into()).map_err(named)?;
        s.set_read_timeout(Some(RECV_TIMEOUT)).map_err(named)?;
        let sock: UdpSocket = s.into();
        let local = sock.local_addr().map_err(named)?;
        Ok(UdpListener { sock, local })
    }

    /// Unblock `n` workers stuck in `recv_from` (they then see the stop
    /// flag): empty datagrams to ourselves.
    pub(crate) fn wake(&self, n: usize) {
        let ip = match self.local.ip() {
            IpAddr::V4(a) if a.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(a) if a.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let to = SocketAddr::new(ip, self.local.port());
        for _ in 0..n {
            let _ = self.sock.send_to(&[], to);
        }
    }
}

/// Waits for a socket to be readable, waking one waiting worker per
/// datagram (EPOLLEXCLUSIVE), not all of them.
struct Readiness {
    ep: libc::c_int,
}

impl Readiness {
    fn new(sock: &UdpSocket) -> io::Result<Readiness> {
        use std::os::fd::AsRawFd;
        // SAFETY: plain syscalls on descriptors we own.
        let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if ep < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut ev = libc::epoll_event { events: (libc::EPOLLIN | libc::EPOLLEXCLUSIVE) as u32, u64: 0 };
        if unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, sock.as_raw_fd(), &mut ev) } < 0 {
            let e = io::Error::last_os_error();
            unsafe { libc::close(ep) };
            return Err(e);
        }
        Ok(Readiness { ep })
    }

    /// Block until readable or `timeout`.
    fn wait(&self, timeout: Duration) {
        let mut ev = libc::epoll_event { events: 0, u64: 0 };
        // SAFETY: one event slot, ours.
        unsafe { libc::epoll_wait(self.ep, &mut ev, 1, timeout.as_millis() as libc::c_int) };
    }
}

impl Drop for Readiness {
    fn drop(&mut self) {
        unsafe { libc::close(self.ep) };
    }
}

/// Receive one datagram if one is queued (never blocks).
fn recv_now(sock: &UdpSocket, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
    let s = socket2::SockRef::from(sock);
    // SAFETY: recv only writes initialised bytes into the buffer it is given.
    let uninit = unsafe { &mut *(buf as *mut [u8] as *mut [std::mem::MaybeUninit<u8>]) };
    let (n, addr) = s.recv_from_with_flags(uninit, libc::MSG_DONTWAIT)?;
    let addr = addr.as_socket().ok_or_else(|| io::Error::other("datagram from a non-IP address"))?;
    Ok((n, addr))
}

/// A socket's workers wait for it to be readable (one is woken per
/// datagram, as Kamailio's processes each blocking in recvfrom on one
/// socket), then receive under `recv_lock` and mark their arrival ticket
/// before letting the next one in (see `arrival`): the lock is only ever
/// contended when two datagrams arrive together, so a message costs one
/// wake-up, not a hand-off of the receive turn to a parked thread.
pub(crate) fn worker(
    t: Arc<Transports>,
    handler: Arc<dyn Handler>,
    sock: UdpSocket,
    local: SocketAddr,
    recv_lock: Arc<Mutex<()>>,
) {
    handler.on_worker_start();
    let max = t.cfg.max_msg_size;
    // one byte more than the limit: a datagram filling it is too big
    let mut buf = vec![0u8; max + 1];
    let ready = match Readiness::new(&sock) {
        Ok(r) => r,
        Err(e) => {
            warn!("udp:{local}: epoll unavailable ({e}); this worker stops");
            return;
        }
    };
    loop {
        ready.wait(RECV_TIMEOUT);
        let received = {
            let _turn = recv_lock.lock().unwrap_or_else(|e| e.into_inner());
            let r = recv_now(&sock, &mut buf);
            if r.is_ok() {
                t.arrival.mark();
            }
            r
        };
        let (n, src) = match received {
            Ok(r) => r,
            Err(e) => {
                if t.stopping() {
                    break;
                }
                match e.kind() {
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted => {}
                    _ => {
                        // e.g. ECONNREFUSED reported for an earlier send; keep going
                        debug!("udp:{local}: recv error: {e}");
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
                continue;
            }
        };
        if t.stopping() {
            break;
        }
        if n == 0 {
            t.arrival.clear();
            continue;
        }
        if n > max {
            warn!("udp:{local}: dropped datagram from {src}: larger than max_msg_size ({max})");
            t.arrival.clear();
            continue;
        }
        let d = &buf[..n];
        if d.iter().all(|&b| b == b'\r' || b == b'\n') {
            debug!("udp:{local}: keep-alive from {src} ignored");
            t.arrival.clear();
            continue;
        }
        let data = Bytes::copy_from_slice(d);
        let info = ReceiveInfo { proto: Protocol::Udp, src, local, conn_id: None };
        guarded("on_message", &info, || handler.on_message(data, &info, &t));
        t.arrival.clear();
    }
    debug!("udp:{local}: worker stopped");
}

pub(crate) fn send(t: &Transports, dest: &Destination, data: &[u8]) -> Result<(), SendError> {
    let l = pick(t, dest).ok_or(SendError::NoSocket { proto: Protocol::Udp, addr: dest.addr })?;
    match l.sock.send_to(data, dest.addr) {
        Ok(_) => Ok(()),
        Err(e) => {
            debug!("udp:{}: send to {} failed: {e}", l.local, dest.addr);
            Err(SendError::Io { addr: dest.addr, source: e })
        }
    }
}

/// The socket bound to `dest.local` (exactly, else a wildcard socket on its
/// port), or without `local` the first socket of the destination's family.
fn pick<'a>(t: &'a Transports, dest: &Destination) -> Option<&'a UdpListener> {
    match dest.local {
        Some(local) => t.udp.iter().find(|l| l.local == local).or_else(|| {
            t.udp.iter().find(|l| {
                l.local.port() == local.port()
                    && l.local.ip().is_unspecified()
                    && l.local.is_ipv4() == local.is_ipv4()
            })
        }),
        None => t.udp.iter().find(|l| l.local.is_ipv4() == dest.addr.is_ipv4()),
    }
}
