//! The few syscalls the runtime makes itself, each behind a safe function.

use std::io;
use std::os::fd::RawFd;

/// Reusable buffers for [`recv_many`]: `slots` datagrams of up to `slot_len` bytes each.
pub(crate) struct RecvMany {
    data: Vec<u8>,
    slot_len: usize,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
}

impl RecvMany {
    pub(crate) fn new(slots: usize, slot_len: usize) -> Self {
        let slots = slots.max(1);
        RecvMany {
            data: vec![0u8; slots * slot_len],
            slot_len,
            iovecs: Vec::with_capacity(slots),
            headers: Vec::with_capacity(slots),
        }
    }

    /// Receives up to `slots` datagrams without blocking. Returns how many arrived (0 when
    /// none is queued). Datagram `i` is `self.get(i)`; its flag says whether it was cut.
    pub(crate) fn recv(&mut self, fd: RawFd) -> io::Result<usize> {
        let slots = self.data.len() / self.slot_len;
        self.iovecs.clear();
        self.headers.clear();
        let base = self.data.as_mut_ptr();
        for i in 0..slots {
            // SAFETY: `i * slot_len + slot_len <= data.len()`, so the pointer stays inside
            // the allocation; `data` is not touched again until the syscall returns.
            let ptr = unsafe { base.add(i * self.slot_len) };
            self.iovecs.push(libc::iovec {
                iov_base: ptr.cast(),
                iov_len: self.slot_len,
            });
        }
        for i in 0..slots {
            // SAFETY: an all-zero `mmsghdr` is a valid "no name, no control" header.
            let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
            h.msg_hdr.msg_iov = &mut self.iovecs[i];
            h.msg_hdr.msg_iovlen = 1;
            self.headers.push(h);
        }
        // SAFETY: `headers` holds `slots` initialised headers whose iovecs point into `data`,
        // all of which outlive the call; MSG_DONTWAIT makes it return at once.
        let n = unsafe {
            libc::recvmmsg(
                fd,
                self.headers.as_mut_ptr(),
                u32::try_from(slots).unwrap_or(u32::MAX),
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(0),
                _ => Err(e),
            };
        }
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Datagram `i` of the last `recv` and whether the kernel truncated it.
    pub(crate) fn get(&self, i: usize) -> (&[u8], bool) {
        let h = &self.headers[i];
        let len = (h.msg_len as usize).min(self.slot_len);
        let cut = h.msg_hdr.msg_flags & libc::MSG_TRUNC != 0;
        (&self.data[i * self.slot_len..i * self.slot_len + len], cut)
    }
}

/// Asks for a receive buffer of `bytes`, past `net.core.rmem_max` when privileged
/// (`SO_RCVBUFFORCE`), and returns what the kernel granted.
pub(crate) fn set_recv_buffer(sock: &socket2::Socket, bytes: usize) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    let v = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    // SAFETY: plain setsockopt on an owned socket with a pointer to a live c_int.
    let forced = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            std::ptr::from_ref(&v).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if forced != 0 {
        sock.set_recv_buffer_size(bytes)?;
    }
    sock.recv_buffer_size()
}

/// Bytes the kernel holds, received and not yet read, on a stream socket (`FIONREAD`,
/// the same request as `SIOCINQ` for TCP).
pub(crate) fn bytes_queued(fd: RawFd) -> io::Result<usize> {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one c_int through the pointer, which points at a live local.
    let r = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Shuts the read side of a socket: the peer's further data is refused (and, once the
/// socket closes with data unread, the peer sees a reset).
pub(crate) fn shutdown_read(fd: RawFd) {
    // SAFETY: plain shutdown(2) on a descriptor the caller owns; errors are harmless here.
    let _ = unsafe { libc::shutdown(fd, libc::SHUT_RD) };
}

/// The device and inode of an open file.
pub(crate) fn dev_inode(fd: RawFd) -> Option<(u64, u64)> {
    // SAFETY: an all-zero `stat` is a valid out-parameter; fstat only writes into it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is an open descriptor owned by the caller; `st` is a live out-parameter.
    let r = unsafe { libc::fstat(fd, &mut st) };
    (r == 0).then_some((st.st_dev, st.st_ino))
}

/// The inode of a socket (how `/proc/net/udp` names it).
pub(crate) fn inode(fd: RawFd) -> Option<u64> {
    // SAFETY: an all-zero `stat` is a valid out-parameter; fstat only writes into it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is an open descriptor owned by the caller; `st` is a live out-parameter.
    let r = unsafe { libc::fstat(fd, &mut st) };
    (r == 0).then_some(st.st_ino)
}

/// Closes `f`, returning what `close(2)` says (dropping a `File` ignores it; on NFS it is
/// where a failed write-back shows).
pub(crate) fn close_file(f: std::fs::File) -> io::Result<()> {
    use std::os::fd::IntoRawFd as _;
    let fd = f.into_raw_fd();
    // SAFETY: `into_raw_fd` gave up the only owner of `fd`, so it is closed exactly once.
    if unsafe { libc::close(fd) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Sets the nice value of the calling thread only (Linux keeps one per thread; threads it
/// starts afterwards inherit it). Lowering it below the current value needs `CAP_SYS_NICE`
/// or an `RLIMIT_NICE` that allows it.
pub(crate) fn set_thread_nice(nice: i32) -> io::Result<()> {
    // SAFETY: gettid has no preconditions.
    let tid = unsafe { libc::gettid() };
    let who =
        libc::id_t::try_from(tid).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: plain syscall on integers; PRIO_PROCESS with a thread id addresses that thread.
    let r = unsafe { libc::setpriority(libc::PRIO_PROCESS, who, nice) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
