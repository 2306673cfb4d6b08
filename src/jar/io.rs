//! Positioned file I/O for the jar writer and the shader. The zip crate asks its reader and
//! writer for their position and seeks for every entry; over `BufReader`/`BufWriter` each of those
//! calls throws the buffer away and costs a system call. These two types keep their own position
//! and use positioned reads and writes (`pread`/`pwrite`), so copying tens of thousands of small
//! entries stays close to the speed of copying the files' bytes, with a fixed, small buffer.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::{mpsc, Arc};

/// Reads a jar through a small buffer; clones share the open file, not the buffer.
#[derive(Debug)]
pub(crate) struct JarSource {
    file: Arc<File>,
    len: u64,
    pos: u64,
    /// Allocated on the first read (jars that are never read cost nothing); never zeroed again.
    buf: Box<[u8]>,
    /// How many bytes of `buf` hold the file's bytes from `buf_start`.
    filled: usize,
    buf_start: u64,
}

/// Large enough to hold a local header and the start of its entry in one read.
const READ_BUFFER: usize = 16 * 1024;
/// Reads at least this large go straight into the caller's buffer.
const DIRECT_READ: usize = 8 * 1024;

impl JarSource {
    pub(crate) fn new(file: File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(JarSource {
            file: Arc::new(file),
            len,
            pos: 0,
            buf: Box::default(),
            filled: 0,
            buf_start: 0,
        })
    }

    /// Bytes at `offset`, bypassing (and not disturbing) the buffer and position.
    pub(crate) fn read_exact_at(&self, out: &mut [u8], offset: u64) -> io::Result<()> {
        read_exact_at(&self.file, out, offset)
    }

    /// The file's length when it was opened.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }
}

impl Clone for JarSource {
    fn clone(&self) -> Self {
        JarSource {
            file: Arc::clone(&self.file),
            len: self.len,
            pos: 0,
            buf: Box::default(),
            filled: 0,
            buf_start: 0,
        }
    }
}

impl Read for JarSource {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let buffered = self.buf_start..self.buf_start + self.filled as u64;
        if !buffered.contains(&self.pos) {
            // Large reads (the zip crate copies entry data in 8 KiB chunks) skip the buffer: one
            // copy less per byte.
            if out.len() >= DIRECT_READ {
                let n = read_at(&self.file, out, self.pos)?;
                self.pos += n as u64;
                return Ok(n);
            }
            if self.buf.is_empty() {
                self.buf = vec![0; READ_BUFFER].into_boxed_slice();
            }
            let n = read_at(&self.file, &mut self.buf, self.pos)?;
            self.filled = n;
            self.buf_start = self.pos;
            if n == 0 {
                return Ok(0);
            }
        }
        let offset = (self.pos - self.buf_start) as usize;
        let available = &self.buf[offset..self.filled];
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for JarSource {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = resolve_seek(to, self.pos, self.len)?;
        Ok(self.pos)
    }
}

/// Writes the jar through a buffer that also absorbs the zip writer's seeks back to a header it
/// has just written (patching sizes and CRC), so those cost no system call.
///
/// When the machine has a second core, full buffers are written by a helper thread while the
/// next one fills: the kernel's copy into the file overlaps the work of reading and framing the
/// next entries. The helper writes buffers in the order they were handed over, so a later patch
/// of an earlier region still lands last, and the file ends up byte-for-byte what the synchronous
/// path writes. At most `IN_FLIGHT` buffers wait for it; buffers are reused, not reallocated.
#[derive(Debug)]
pub(crate) struct JarSink {
    file: Arc<File>,
    /// Its length is how much of it was ever written (a reused buffer is not zeroed again).
    buf: Vec<u8>,
    /// How many bytes of `buf` are to be written.
    filled: usize,
    /// File offset of `buf[0]`.
    buf_start: u64,
    /// Write position inside `buf` (may be below `filled` after a seek back).
    cursor: usize,
    background: Option<Background>,
}

#[derive(Debug)]
struct Background {
    /// `None` once closed.
    /// A buffer, how many of its bytes to write, and where.
    jobs: Option<mpsc::SyncSender<(Vec<u8>, usize, u64)>>,
    spare: mpsc::Receiver<Vec<u8>>,
    /// `None` once joined.
    helper: Option<std::thread::JoinHandle<io::Result<()>>>,
}

const WRITE_BUFFER: usize = 1024 * 1024;
/// Buffers handed to the helper thread and not yet taken by it.
const IN_FLIGHT: usize = 1;

impl JarSink {
    pub(crate) fn new(file: File) -> Self {
        let parallel = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
        Self::with_helper(file, parallel)
    }

    /// `helper`: write full buffers on a helper thread (if one can be started).
    fn with_helper(file: File, helper: bool) -> Self {
        let file = Arc::new(file);
        let background = if helper {
            Background::start(Arc::clone(&file))
        } else {
            None
        };
        JarSink {
            file,
            buf: Vec::with_capacity(WRITE_BUFFER),
            filled: 0,
            buf_start: 0,
            cursor: 0,
            background,
        }
    }

    pub(crate) fn position(&self) -> u64 {
        self.buf_start + self.cursor as u64
    }

    /// Append `len` bytes read from `src` straight into the buffer (no intermediate copy: a
    /// large read goes from the kernel into the buffer that is then written out).
    pub(crate) fn append_from(&mut self, src: &mut impl Read, mut len: u64) -> io::Result<()> {
        self.cursor = self.filled;
        while len > 0 {
            if self.filled >= WRITE_BUFFER {
                self.flush_buffer()?;
            }
            let start = self.filled;
            let room = WRITE_BUFFER - start;
            let n = usize::try_from(len).map_or(room, |len| len.min(room));
            if self.buf.len() < start + n {
                self.buf.resize(start + n, 0);
            }
            src.read_exact(&mut self.buf[start..start + n])?;
            self.filled = start + n;
            self.cursor = self.filled;
            len -= n as u64;
        }
        Ok(())
    }

    fn flush_buffer(&mut self) -> io::Result<()> {
        if self.filled > 0 {
            match &self.background {
                Some(background) => {
                    let next = background
                        .spare
                        .try_recv()
                        .unwrap_or_else(|_| Vec::with_capacity(WRITE_BUFFER));
                    let full = std::mem::replace(&mut self.buf, next);
                    let sent = background
                        .jobs
                        .as_ref()
                        .is_some_and(|jobs| jobs.send((full, self.filled, self.buf_start)).is_ok());
                    if !sent {
                        // The helper stopped on a write error: report it.
                        self.stop_background()?;
                        return Err(io::Error::other("the jar writer thread stopped"));
                    }
                }
                None => write_all_at(&self.file, &self.buf[..self.filled], self.buf_start)?,
            }
        }
        self.buf_start = self.position();
        self.filled = 0;
        self.cursor = 0;
        Ok(())
    }

    /// Wait for the helper thread to write everything handed to it; later writes are synchronous.
    fn stop_background(&mut self) -> io::Result<()> {
        match self.background.take() {
            Some(mut background) => background.finish(),
            None => Ok(()),
        }
    }

    /// Flush everything and hand back the file.
    pub(crate) fn into_file(mut self) -> io::Result<File> {
        self.flush_buffer()?;
        self.stop_background()?;
        Arc::try_unwrap(self.file)
            .map_err(|_| io::Error::other("internal error: the jar file is still shared"))
    }
}

impl Background {
    fn start(file: Arc<File>) -> Option<Background> {
        let (jobs, queue) = mpsc::sync_channel::<(Vec<u8>, usize, u64)>(IN_FLIGHT);
        let (give_back, spare) = mpsc::channel();
        let helper = std::thread::Builder::new()
            .name("jar-writer".to_string())
            .spawn(move || -> io::Result<()> {
                for (buf, len, offset) in queue {
                    write_all_at(&file, &buf[..len], offset)?;
                    // The sink may be gone already; the buffer is then simply freed.
                    let _ = give_back.send(buf);
                }
                Ok(())
            })
            .ok()?;
        Some(Background {
            jobs: Some(jobs),
            spare,
            helper: Some(helper),
        })
    }

    /// Close the queue and wait until the helper has written everything it was handed.
    fn finish(&mut self) -> io::Result<()> {
        drop(self.jobs.take());
        match self.helper.take().map(|helper| helper.join()) {
            None => Ok(()),
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the jar writer thread panicked")),
        }
    }
}

/// A sink dropped on an error path leaves no thread behind.
impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

impl Write for JarSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.cursor == self.filled && self.filled + data.len() > WRITE_BUFFER {
            self.flush_buffer()?;
            if data.len() >= WRITE_BUFFER && self.background.is_none() {
                write_all_at(&self.file, data, self.buf_start)?;
                self.buf_start += data.len() as u64;
                return Ok(data.len());
            }
        }
        let end = self.cursor + data.len();
        // Past what the buffer ever held it grows (no zero-filling first); below, it is reused.
        let reused = self.buf.len().clamp(self.cursor, end);
        self.buf[self.cursor..reused].copy_from_slice(&data[..reused - self.cursor]);
        self.buf.extend_from_slice(&data[reused - self.cursor..]);
        self.cursor = end;
        self.filled = self.filled.max(end);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_buffer()?;
        self.stop_background()
    }
}

/// The zip writer hands its output back as a readable archive (so the summary is read from what
/// was written, not recomputed); reads see everything written so far.
impl Read for JarSink {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.flush_buffer()?;
        self.stop_background()?;
        let n = read_at(&self.file, out, self.buf_start)?;
        self.buf_start += n as u64;
        Ok(n)
    }
}

impl Seek for JarSink {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let end = self.buf_start + self.filled as u64;
        let target = resolve_seek(to, self.position(), end)?;
        if (self.buf_start..=end).contains(&target) {
            self.cursor = (target - self.buf_start) as usize;
        } else {
            self.flush_buffer()?;
            self.buf_start = target;
        }
        Ok(target)
    }
}

/// `SeekFrom::End` is only used by readers; for the sink, "end" is the end of what was written.
fn resolve_seek(to: SeekFrom, current: u64, end: u64) -> io::Result<u64> {
    let target = match to {
        SeekFrom::Start(p) => Some(p),
        SeekFrom::Current(d) => current.checked_add_signed(d),
        SeekFrom::End(d) => end.checked_add_signed(d),
    };
    target.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "seek before the start of the file",
        )
    })
}

#[cfg(unix)]
pub(crate) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    loop {
        match file.read_at(buf, offset) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Exactly `out.len()` bytes at `offset`, or an error (end of file included).
pub(crate) fn read_exact_at(file: &File, out: &mut [u8], offset: u64) -> io::Result<()> {
    let mut filled = 0;
    while filled < out.len() {
        let n = read_at(file, &mut out[filled..], offset + filled as u64)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        filled += n;
    }
    Ok(())
}

#[cfg(unix)]
pub(crate) fn write_all_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.write_all_at(buf, offset)
}

#[cfg(windows)]
pub(crate) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::os::windows::fs::FileExt;
    file.seek_read(buf, offset)
}

#[cfg(windows)]
pub(crate) fn write_all_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_write(buf, offset)?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        buf = &buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_patches_inside_and_outside_its_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut sink = JarSink::new(File::create(&path).unwrap());
        sink.write_all(b"hello world").unwrap();
        assert_eq!(sink.stream_position().unwrap(), 11);
        sink.seek(SeekFrom::Start(0)).unwrap();
        sink.write_all(b"J").unwrap();
        sink.seek(SeekFrom::Start(11)).unwrap();
        sink.write_all(&vec![b'x'; WRITE_BUFFER + 5]).unwrap();
        let end = sink.stream_position().unwrap();
        sink.seek(SeekFrom::Start(6)).unwrap();
        sink.write_all(b"W").unwrap();
        sink.seek(SeekFrom::Start(end)).unwrap();
        sink.write_all(b"!").unwrap();
        sink.into_file().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..11], b"Jello World");
        assert_eq!(bytes.len(), 11 + WRITE_BUFFER + 5 + 1);
        assert_eq!(bytes.last(), Some(&b'!'));
    }

    /// Both modes write what an in-memory model of the same writes and seeks holds, including
    /// patches of regions already handed to the helper thread and one write larger than a buffer.
    #[test]
    fn sink_with_and_without_helper_writes_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        for helper in [false, true] {
            let path = dir.path().join(format!("out-{helper}"));
            let mut sink = JarSink::with_helper(File::create(&path).unwrap(), helper);
            let mut model: Vec<u8> = Vec::new();
            let mut at = 0usize;
            let put = |sink: &mut JarSink, model: &mut Vec<u8>, at: usize, data: &[u8]| {
                sink.seek(SeekFrom::Start(at as u64)).unwrap();
                sink.write_all(data).unwrap();
                if model.len() < at + data.len() {
                    model.resize(at + data.len(), 0);
                }
                model[at..at + data.len()].copy_from_slice(data);
            };
            for i in 0..400usize {
                let len = [30, 700, 8192, 65_000][i % 4] + i;
                let data: Vec<u8> = (0..len).map(|j| (i * 31 + j) as u8).collect();
                put(&mut sink, &mut model, at, &data);
                if i % 7 == 3 {
                    let back = at / 3;
                    put(&mut sink, &mut model, back, &[i as u8; 40]);
                }
                at += len;
            }
            put(&mut sink, &mut model, at, &vec![9u8; WRITE_BUFFER * 2 + 3]);
            put(&mut sink, &mut model, 5, b"patched");
            let mut file = sink.into_file().unwrap();
            file.flush().unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), model, "helper: {helper}");
        }
    }

    #[test]
    fn source_reads_after_seeks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in");
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let mut src = JarSource::new(File::open(&path).unwrap()).unwrap();
        let mut out = [0u8; 10];
        src.seek(SeekFrom::End(-10)).unwrap();
        src.read_exact(&mut out).unwrap();
        assert_eq!(&out, &data[data.len() - 10..]);
        src.seek(SeekFrom::Start(5)).unwrap();
        let mut all = Vec::new();
        src.clone().read_to_end(&mut all).unwrap(); // a clone starts at 0
        assert_eq!(all, data);
        let mut rest = Vec::new();
        src.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, &data[5..]);
    }
}
