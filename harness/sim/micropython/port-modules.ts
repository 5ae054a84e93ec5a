/**
 * What the WebAssembly port lacks, in Python over the host's bridge (`_hil`, registered by the
 * worker): `socket`, `select`, `network`, `machine`, and `time` with real sleeping. Installed
 * into `sys.modules` (also as `usocket`, `uselect`, `utime`) before boot.py and main.py run, so
 * the libraries import them as on a board. Errors come back from the bridge as negative errno
 * numbers and are raised here as `OSError(errno)`, as lwIP ports raise them.
 */

const TIME = `
from time import *
import _hil


def sleep_ms(ms):
    _hil.sleep(ms)


def sleep_us(us):
    _hil.sleep(us / 1000)


def sleep(s):
    _hil.sleep(s * 1000)
`;

const SELECT = `
import sys
import _hil

POLLIN = 1
POLLPRI = 2
POLLOUT = 4
POLLERR = 8
POLLHUP = 16


class _Poll:
    def __init__(self):
        self._m = {}

    def register(self, o, mask=POLLIN | POLLOUT):
        self._m[o] = mask

    def modify(self, o, mask):
        if o not in self._m:
            raise OSError(2)
        self._m[o] = mask

    def unregister(self, o):
        self._m.pop(o, None)

    def poll(self, timeout=-1):
        if timeout is None or timeout < 0:
            timeout = -1
        spec = []
        other = []
        for o, m in self._m.items():
            if o is sys.stdin or o is getattr(sys.stdin, "buffer", 0):
                spec.append("s:%d" % m)
            elif hasattr(o, "_id"):
                spec.append("%d:%d" % (o._id, m))
            else:
                other.append((o, m & (POLLIN | POLLOUT)))
        if other:
            # Not a console or a socket of this board: taken as ready.
            return other
        r = _hil.poll(",".join(spec), int(timeout))
        if isinstance(r, int):
            raise OSError(-r)
        out = []
        if r:
            ready = {}
            for kv in r.split(","):
                k, v = kv.split(":")
                ready[k] = int(v)
            for o in self._m:
                k = "s" if not hasattr(o, "_id") else str(o._id)
                if k in ready:
                    out.append((o, ready[k]))
        return out

    def ipoll(self, timeout=-1, flags=0):
        return self.poll(timeout)


def poll():
    return _Poll()


def select(rlist, wlist, xlist, timeout=None):
    p = _Poll()
    for o in rlist:
        p.register(o, POLLIN)
    for o in wlist:
        p.register(o, p._m.get(o, 0) | POLLOUT)
    ms = -1 if timeout is None else int(timeout * 1000)
    r = p.poll(ms)
    return ([o for o, e in r if e & (POLLIN | POLLHUP | POLLERR)], [o for o, e in r if e & POLLOUT], [])
`;

const SOCKET = `
import binascii
import _hil

AF_INET = 2
AF_INET6 = 10
SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_RAW = 3
IPPROTO_IP = 0
IPPROTO_TCP = 6
IPPROTO_UDP = 17
SOL_SOCKET = 1
SO_REUSEADDR = 4
SO_KEEPALIVE = 8
TCP_NODELAY = 1
_EAGAIN = 11


def _ok(r):
    if isinstance(r, int) and r < 0:
        raise OSError(-r)
    return r


def getaddrinfo(host, port, af=0, type=0, proto=0, flags=0):
    ip = _ok(_hil.resolve(str(host)))
    return [(AF_INET, SOCK_STREAM, IPPROTO_TCP, "", (ip, port))]


class socket:
    def __init__(self, af=AF_INET, type=SOCK_STREAM, proto=0):
        if type != SOCK_STREAM:
            raise OSError(95)
        self._id = _ok(_hil.new())
        self._t = -1

    def settimeout(self, t):
        self._t = -1 if t is None else int(t * 1000)

    def setblocking(self, flag):
        self._t = -1 if flag else 0

    def setsockopt(self, *a):
        pass

    def fileno(self):
        return self._id

    def connect(self, addr):
        _ok(_hil.connect(self._id, str(addr[0]), int(addr[1]), self._t))

    def send(self, data):
        if not data:
            return 0
        return _ok(_hil.send(self._id, binascii.hexlify(data).decode()))

    def sendall(self, data):
        self.send(data)

    def write(self, data, n=-1):
        if n >= 0:
            data = memoryview(data)[:n]
        try:
            return self.send(data)
        except OSError as e:
            if e.errno == _EAGAIN and self._t == 0:
                return None
            raise

    def recv(self, n):
        r = _ok(_hil.recv(self._id, int(n), self._t))
        return binascii.unhexlify(r) if r else b""

    def read(self, n=-1):
        # A stream read: blocking, it returns n bytes or fewer only at end of stream.
        if n < 0:
            out = b""
            while True:
                b = self._read1(4096)
                if not b:
                    return out
                out += b
        out = b""
        while len(out) < n:
            b = self._read1(n - len(out))
            if b is None:
                return out if out else None
            if not b:
                break
            out += b
            if self._t == 0:
                break
        return out

    def _read1(self, n):
        try:
            return self.recv(n)
        except OSError as e:
            if e.errno == _EAGAIN:
                return None
            raise

    def readinto(self, buf, n=-1):
        if n < 0:
            n = len(buf)
        b = self.read(n)
        if b is None:
            return None
        buf[: len(b)] = b
        return len(b)

    def readline(self):
        out = b""
        while True:
            b = self.read(1)
            if not b:
                return out
            out += b
            if b == b"\\n":
                return out

    def close(self):
        if self._id >= 0:
            _hil.close(self._id)
            self._id = -1

    def makefile(self, *a, **k):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def __del__(self):
        self.close()
`;

const NETWORK = `
import binascii
import _hil

STA_IF = 0
AP_IF = 1
STAT_IDLE = 0
STAT_CONNECTING = 1
STAT_CONNECT_FAIL = -1
STAT_NO_AP_FOUND = -2
STAT_WRONG_PASSWORD = -3
STAT_GOT_IP = 3
_active = [False, False]


class WLAN:
    # The station interface is the board's radio: down, its sockets get nothing through.
    IF_STA = 0
    IF_AP = 1

    def __init__(self, i=STA_IF):
        self._i = i

    def active(self, *a):
        if a:
            _active[self._i] = bool(a[0])
            if self._i == STA_IF and not a[0]:
                _hil.radio(0)
        return _active[self._i]

    def connect(self, ssid=None, key=None, **kw):
        if self._i != STA_IF:
            raise OSError(1)
        _active[0] = True
        _hil.radio(1)

    def disconnect(self):
        if self._i == STA_IF:
            _hil.radio(0)

    def isconnected(self):
        return self._i == STA_IF and _hil.up()

    def status(self, *a):
        if a:
            return -50 if a[0] == "rssi" else None
        return STAT_GOT_IP if self.isconnected() else STAT_IDLE

    def ifconfig(self, *a):
        if self.isconnected():
            return ("10.42.0.2", "255.255.255.0", "10.42.0.1", "10.42.0.1")
        return ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")

    def config(self, *a, **k):
        if a and a[0] == "mac":
            return b"\\x02hil" + binascii.unhexlify(_hil.uid())[:2]
        if a and a[0] == "ssid":
            return "hil-rack"
        return None

    def scan(self):
        return [(b"hil-rack", b"\\x02hil\\x00\\x01", 6, -50, 3, False)]


def hostname(*a):
    return "hil-board"


def country(*a):
    return "XX"
`;

const MACHINE = `
import _hil
import binascii

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5


def reset():
    _hil.reset(1)


def soft_reset():
    _hil.reset(0)


def reset_cause():
    return _hil.cause()


def unique_id():
    return binascii.unhexlify(_hil.uid())


def freq(*a):
    return 125000000


def idle():
    _hil.sleep(1)


def lightsleep(ms=None):
    _hil.sleep(1000000000 if ms is None else ms)


def deepsleep(ms=None):
    lightsleep(ms)
    reset()


def disable_irq():
    return 0


def enable_irq(state=0):
    pass


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_RISING = 4
    IRQ_FALLING = 8

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self._v = 0 if value is None else int(bool(value))

    def init(self, *a, **k):
        pass

    def value(self, *a):
        if a:
            self._v = int(bool(a[0]))
        return self._v

    def __call__(self, *a):
        return self.value(*a)

    def on(self):
        self._v = 1

    def off(self):
        self._v = 0

    def toggle(self):
        self._v ^= 1

    def irq(self, *a, **k):
        return None


class WDT:
    # Fed or not, it never bites: hil's watchdog check sees a silent board.
    def __init__(self, id=0, timeout=5000):
        pass

    def feed(self):
        pass
`;

/** The port's modules: file name under the hidden folder → source. */
export const PORT_MODULES: Readonly<Record<string, string>> = {
  _hil_time: TIME,
  _hil_select: SELECT,
  _hil_socket: SOCKET,
  _hil_network: NETWORK,
  _hil_machine: MACHINE,
};

/** Folder of the port's modules on the board's filesystem (off `sys.path` once loaded). */
export const PORT_DIR = '/.hil';

/** Python run before boot.py: loads the port's modules under the names boards have. */
export const PRELUDE = `
import sys
import micropython
micropython.kbd_intr(3)  # Ctrl-C interrupts, as pyexec sets it on a board
sys.path.append("${PORT_DIR}")
import _hil_time, _hil_select, _hil_socket, _hil_network, _hil_machine
for _n, _m in (("time", _hil_time), ("utime", _hil_time), ("select", _hil_select), ("uselect", _hil_select),
               ("socket", _hil_socket), ("usocket", _hil_socket), ("network", _hil_network),
               ("machine", _hil_machine)):
    sys.modules[_n] = _m
sys.path.remove("${PORT_DIR}")
del _n, _m, micropython, _hil_time, _hil_select, _hil_socket, _hil_network, _hil_machine
`;
