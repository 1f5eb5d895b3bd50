#!/usr/bin/env python3
"""Drives OpenSSL's libssl as a TLS-SRP client or server, through ctypes.

The SRP options of `openssl s_server` / `s_client` are broken in OpenSSL 3.0.x (openssl/openssl
issues 32565 and 32566), so the interop tests call libssl directly. Data is echoed in lock step
(write a chunk, read it back) so blocking sockets never deadlock.

  libssl_srp.py server USER PASSWORD CIPHERS ETM(0|1) CONNECTIONS
      listens on 127.0.0.1:0, prints {"port": N}, then for each connection one JSON line
      ({"handshake": cipher} or {"error": text}) while echoing until close_notify
  libssl_srp.py client PORT USER PASSWORD CIPHERS ETM(0|1) INFILE
      sends INFILE and expects it back byte for byte; prints one JSON line:
      {"handshake": cipher, "echoed": bytes, "identical": bool} or {"error": text}
"""
import ctypes
import json
import os
import socket
import sys

ssl = ctypes.CDLL("libssl.so.3")
crypto = ctypes.CDLL("libcrypto.so.3")

TLS1_2_VERSION = 0x0303
SSL_CTRL_SET_MIN_PROTO_VERSION = 123
SSL_CTRL_SET_MAX_PROTO_VERSION = 124
SSL_OP_NO_ENCRYPT_THEN_MAC = 1 << 19
SSL3_AL_FATAL = 2
CHUNK = 16384

vp, cp, ci = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
for name, res, args in [
    ("TLS_client_method", vp, []),
    ("TLS_server_method", vp, []),
    ("SSL_CTX_new", vp, [vp]),
    ("SSL_CTX_ctrl", ctypes.c_long, [vp, ci, ctypes.c_long, vp]),
    ("SSL_CTX_set_options", ctypes.c_uint64, [vp, ctypes.c_uint64]),
    ("SSL_CTX_set_cipher_list", ci, [vp, cp]),
    ("SSL_CTX_set_srp_username", ci, [vp, cp]),
    ("SSL_CTX_set_srp_password", ci, [vp, cp]),
    ("SSL_CTX_set_srp_username_callback", ci, [vp, vp]),
    ("SSL_get_srp_username", cp, [vp]),
    ("SSL_set_srp_server_param_pw", ci, [vp, cp, cp, cp]),
    ("SSL_new", vp, [vp]),
    ("SSL_free", None, [vp]),
    ("SSL_set_fd", ci, [vp, ci]),
    ("SSL_connect", ci, [vp]),
    ("SSL_accept", ci, [vp]),
    ("SSL_read", ci, [vp, vp, ci]),
    ("SSL_write", ci, [vp, vp, ci]),
    ("SSL_shutdown", ci, [vp]),
    ("SSL_get_current_cipher", vp, [vp]),
    ("SSL_CIPHER_get_name", cp, [vp]),
]:
    f = getattr(ssl, name)
    f.restype, f.argtypes = res, args
crypto.ERR_get_error.restype = ctypes.c_ulong
crypto.ERR_error_string_n.argtypes = [ctypes.c_ulong, cp, ctypes.c_size_t]


def errors():
    out = []
    while True:
        e = crypto.ERR_get_error()
        if not e:
            return "; ".join(out) or "no OpenSSL error queued"
        buf = ctypes.create_string_buffer(256)
        crypto.ERR_error_string_n(e, buf, 256)
        out.append(buf.value.decode())


def context(method, ciphers, etm):
    ctx = ssl.SSL_CTX_new(method())
    ssl.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, None)
    ssl.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION, TLS1_2_VERSION, None)
    if not ssl.SSL_CTX_set_cipher_list(ctx, ciphers.encode()):
        raise SystemExit("cipher list rejected: " + errors())
    if not etm:
        ssl.SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC)
    return ctx


def emit(obj):
    print(json.dumps(obj), flush=True)


def read_exact(s, n):
    buf = ctypes.create_string_buffer(n)
    got = bytearray()
    while len(got) < n:
        r = ssl.SSL_read(s, buf, n - len(got))
        if r <= 0:
            break
        got += buf.raw[:r]
    return bytes(got)


def client(port, user, password, ciphers, etm, infile):
    ctx = context(ssl.TLS_client_method, ciphers, etm)
    ssl.SSL_CTX_set_srp_username(ctx, user.encode())
    ssl.SSL_CTX_set_srp_password(ctx, password.encode())
    sock = socket.create_connection(("127.0.0.1", port))
    s = ssl.SSL_new(ctx)
    ssl.SSL_set_fd(s, sock.fileno())
    if ssl.SSL_connect(s) != 1:
        emit({"error": errors()})
        return
    cipher = ssl.SSL_CIPHER_get_name(ssl.SSL_get_current_cipher(s)).decode()
    with open(infile, "rb") as f:
        data = f.read()
    echoed = bytearray()
    for i in range(0, len(data), CHUNK):
        part = data[i : i + CHUNK]
        if ssl.SSL_write(s, part, len(part)) != len(part):
            break
        back = read_exact(s, len(part))
        echoed += back
        if len(back) != len(part):
            break
    ssl.SSL_shutdown(s)
    emit({"handshake": cipher, "echoed": len(echoed), "identical": bytes(echoed) == data})


def server(user, password, ciphers, etm, connections):
    ctx = context(ssl.TLS_server_method, ciphers, etm)
    random_password = os.urandom(32).hex().encode()

    @ctypes.CFUNCTYPE(ci, vp, ctypes.POINTER(ci), vp)
    def lookup(s, ad, arg):
        name = ssl.SSL_get_srp_username(s)
        # Unknown users get a random password, as RFC 5054 §2.5.1.3 advises: the handshake fails late.
        pw = password.encode() if name == user.encode() else random_password
        return 0 if ssl.SSL_set_srp_server_param_pw(s, name, pw, b"2048") == 1 else SSL3_AL_FATAL

    ssl.SSL_CTX_set_srp_username_callback(ctx, ctypes.cast(lookup, vp))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    emit({"port": listener.getsockname()[1]})
    buf = ctypes.create_string_buffer(CHUNK)
    for _ in range(connections):
        conn, _ = listener.accept()
        s = ssl.SSL_new(ctx)
        ssl.SSL_set_fd(s, conn.fileno())
        if ssl.SSL_accept(s) != 1:
            emit({"error": errors()})
        else:
            emit({"handshake": ssl.SSL_CIPHER_get_name(ssl.SSL_get_current_cipher(s)).decode()})
            while True:
                r = ssl.SSL_read(s, buf, CHUNK)
                if r <= 0 or ssl.SSL_write(s, buf, r) != r:
                    break
            ssl.SSL_shutdown(s)
        ssl.SSL_free(s)
        conn.close()


if __name__ == "__main__":
    mode, rest = sys.argv[1], sys.argv[2:]
    if mode == "client":
        client(int(rest[0]), rest[1], rest[2], rest[3], rest[4] == "1", rest[5])
    else:
        server(rest[0], rest[1], rest[2], rest[3] == "1", int(rest[4]))
