#!/usr/bin/env python3
"""CPython side of the pickle interop tests (crates/pythreading-mp/tests/pickle_interop.rs).

    pickle_interop.py gen            lines "name<TAB>proto<TAB>hex<TAB>canon": CPython's pickles
                                     of SAMPLES at protocols 0-5, with their canonical text
    pickle_interop.py check          reads lines "name<TAB>hex" (pickles written by Rust), loads
                                     each with pickle.loads, prints "name<TAB>canon<TAB>same"
                                     (same: pickle.dumps(obj, 4) == the input, 1 or 0), or
                                     "name<TAB>ERROR<TAB>repr(exception)"
    pickle_interop.py canon FILE...  prints "FILE<TAB>canon" for pickle files (to make fixtures)

The canonical text ("canon") is the same notation the Rust tests render from a Value, so both
sides can be compared as strings. Sets are rendered sorted, since their order is not preserved.
"""
import copyreg
import math
import pickle
import queue
import struct
import sys
import types

from multiprocessing.managers import RemoteError, Token


class _Inert:
    """Stand-in for a global that safe_loads did not import."""
    _pk_module = _pk_name = None

    def __new__(cls, *args, **kwargs):
        self = object.__new__(cls)
        self._pk_kind, self._pk_args, self._pk_kwargs = 'obj', args, kwargs
        self._pk_state, self._pk_list, self._pk_dict = None, [], {}
        return self

    def __init__(self, *args, **kwargs):
        self._pk_kind = 'red'  # called as cls(*args) (REDUCE), not cls.__new__(cls, ...) (NEWOBJ)

    def __setstate__(self, state):
        self._pk_state = state

    def append(self, x):
        self._pk_list.append(x)

    def extend(self, xs):
        self._pk_list.extend(xs)

    def __setitem__(self, k, v):
        self._pk_dict[k] = v


class _SafeUnpickler(pickle.Unpickler):
    """Loads without importing or running anything but bytearray (what the Rust side folds)."""
    _classes = {}

    def find_class(self, module, name):
        if (module, name) == ('builtins', 'bytearray'):
            return bytearray
        key = (module, name)
        if key not in self._classes:
            self._classes[key] = type(name, (_Inert,), {'_pk_module': module, '_pk_name': name})
        return self._classes[key]


def safe_loads(data):
    import io
    return _SafeUnpickler(io.BytesIO(data)).load()


def canon(o):
    if isinstance(o, _Inert):
        c = type(o)
        g = 'g:%s:%s' % (c._pk_module, c._pk_name)
        opt = lambda x: '-' if x is None else canon(x)
        lst = '-' if not o._pk_list else canon(o._pk_list)
        dct = '-' if not o._pk_dict else canon(o._pk_dict)
        if o._pk_kind == 'red':
            return 'red(%s;%s;%s;%s;%s)' % (g, canon(o._pk_args), opt(o._pk_state), lst, dct)
        kw = '-' if not o._pk_kwargs else canon(o._pk_kwargs)
        return 'obj(%s;%s;%s;%s;%s;%s)' % (g, canon(o._pk_args), kw, opt(o._pk_state), lst, dct)
    if isinstance(o, type) and issubclass(o, _Inert) and o is not _Inert:
        return 'g:%s:%s' % (o._pk_module, o._pk_name)
    if o is None:
        return 'N'
    if o is True:
        return 'T'
    if o is False:
        return 'F'
    if isinstance(o, int) and type(o) is int:
        return 'i%d' % o
    if type(o) is float:
        return 'f' + struct.pack('>d', o).hex()
    if type(o) is str:
        return 's:' + o.encode('utf-8', 'surrogatepass').hex()
    if type(o) is bytes:
        return 'b:' + o.hex()
    if type(o) is bytearray:
        return 'ba:' + bytes(o).hex()
    if type(o) is tuple:
        return '(' + ','.join(canon(x) for x in o) + ')'
    if type(o) is list:
        return '[' + ','.join(canon(x) for x in o) + ']'
    if type(o) is dict:
        return '{' + ','.join(canon(k) + ':' + canon(v) for k, v in o.items()) + '}'
    if type(o) is set:
        return 'set(' + ','.join(sorted(canon(x) for x in o)) + ')'
    if type(o) is frozenset:
        return 'fs(' + ','.join(sorted(canon(x) for x in o)) + ')'
    if isinstance(o, (type, types.FunctionType, types.BuiltinFunctionType)):
        return 'g:%s:%s' % (o.__module__, o.__qualname__)
    reducer = copyreg.dispatch_table.get(type(o))  # as pickle does: complex is reduced here
    rv = reducer(o) if reducer else o.__reduce_ex__(4)
    if isinstance(rv, str):
        return 'g:%s:%s' % (o.__module__, rv)
    rv = tuple(rv) + (None,) * (5 - len(rv))
    func, args, state, listitems, dictitems = rv[:5]
    opt = lambda x: '-' if x is None else canon(x)
    items = lambda it: '-' if it is None else (lambda l: '-' if not l else canon(l))(list(it))
    ditems = lambda it: '-' if it is None else (lambda l: '-' if not l else canon(dict(l)))(list(it))
    if func is copyreg.__newobj__:
        return 'obj(%s;%s;-;%s;%s;%s)' % (canon(args[0]), canon(tuple(args[1:])), opt(state),
                                          items(listitems), ditems(dictitems))
    if func is copyreg.__newobj_ex__:
        return 'obj(%s;%s;%s;%s;%s;%s)' % (canon(args[0]), canon(tuple(args[1])),
                                           '-' if not args[2] else canon(args[2]),
                                           opt(state), items(listitems), ditems(dictitems))
    return 'red(%s;%s;%s;%s;%s)' % (canon(func), canon(args), opt(state), items(listitems),
                                    ditems(dictitems))


def exc_with_attr():
    e = RuntimeError('x')
    e.extra = 1
    return e


def deep_list(depth):
    v = []
    for _ in range(depth - 1):
        v = [v]
    return v


shared = [1, 2]
SAMPLES = [
    ('none', None), ('true', True), ('false', False),
    ('int_0', 0), ('int_255', 255), ('int_256', 256), ('int_65535', 65535), ('int_65536', 65536),
    ('int_neg1', -1), ('int_neg256', -256), ('int_i32max', 2**31 - 1), ('int_i32min', -2**31),
    ('int_2p31', 2**31), ('int_i64max', 2**63 - 1), ('int_i64min', -2**63), ('int_2p63', 2**63),
    ('int_neg2p63m1', -2**63 - 1), ('int_neg128', -128), ('int_1e30', 10**30), ('int_neg1e30', -10**30),
    ('int_2p2048', 2**2048), ('int_neg2p2048', -2**2048),
    ('float_0', 0.0), ('float_neg0', -0.0), ('float_3_14', 3.14), ('float_inf', math.inf),
    ('float_ninf', -math.inf), ('float_nan', math.nan), ('float_tiny', 5e-324), ('float_big', 1.7976931348623157e308),
    ('str_empty', ''), ('str_hello', 'hello'), ('str_nonascii', 'h\u00e9llo \u2713 \U0001F600'),
    ('str_255', 'y' * 255), ('str_256', 'y' * 256), ('str_70000', 'x' * 70000),
    ('str_lone_surrogate', '\ud800'), ('str_surrogate_pair', '\ud83d\ude00'), ('str_mixed_surrogate', 'a\udcffb\u00e9'),
    ('str_newline_backslash', 'a\nb\\c\r\x00'),
    ('bytes_empty', b''), ('bytes_2', b'\x00\xff'), ('bytes_300', b'z' * 300), ('bytes_70000', bytes(range(256)) * 274),
    ('bytearray_empty', bytearray()), ('bytearray', bytearray(b'ab\x00\xff')),
    ('tuple_0', ()), ('tuple_1', (1,)), ('tuple_2', (1, 'a')), ('tuple_3', (1, 2, 3)), ('tuple_4', (1, 2, 3, 4)),
    ('tuple_nested', ((), ((),), [()])),
    ('list_0', []), ('list_1', [1]), ('list_3', [1, 'two', 3.0]), ('list_1001', list(range(1001))),
    ('dict_0', {}), ('dict_1', {'a': 1}), ('dict_2', {'a': 1, 'b': [1, 2]}), ('dict_1001', {i: str(i) for i in range(1001)}),
    ('dict_mixed_keys', {1: 'a', (1, 2): None, b'k': 2.5, None: True, frozenset({1}): 0}),
    ('set_0', set()), ('set', {1, 2}), ('set_1001', set(range(1001))), ('frozenset_0', frozenset()),
    ('frozenset', frozenset({3, 'x'})),
    ('complex', 1 + 2j), ('shared_ref', [shared, shared]),
    ('global_len', len), ('global_token_class', Token), ('global_queue_empty', queue.Empty),
    ('exc_ValueError', ValueError('bad', 42)), ('exc_queue_Empty', queue.Empty()), ('exc_queue_Full', queue.Full()),
    ('exc_KeyError', KeyError('k')), ('exc_StopIteration', StopIteration()),
    ('exc_OSError_errno', OSError(2, 'No such file')), ('exc_with_attr', exc_with_attr()),
    ('exc_RemoteError', RemoteError('remote tb text')),
    ('token', Token('get_task_queue', ('127.0.0.1', 5000), '7f0000000001')),
    ('token_unix_address', Token('Queue', '/tmp/pymp-abc/listener-xyz', '7f0000000001')),
    ('msg_request_get_timeout1', ('7f0000000001', 'get', (), {'timeout': 1})),
    ('msg_proxy', ('#PROXY', (('__next__', 'send', 'throw', 'close'),
                              Token('Iterator', ('127.0.0.1', 5000), '7f0000000003')))),
    ('deep_list_200', deep_list(200)),
]

# Protocols 0 and 1 cannot express some values the way later protocols do (Token needs
# copyreg._reconstructor there, which canon() does not model); keep them to plain data.
PLAIN_ONLY_BELOW_2 = ('token', 'msg_proxy', 'exc_', 'global_token')


def gen():
    for name, v in SAMPLES:
        for proto in range(0, pickle.HIGHEST_PROTOCOL + 1):
            if proto < 2 and name.startswith(PLAIN_ONLY_BELOW_2):
                continue
            if proto < 3 and name == 'exc_OSError_errno':
                # written as exceptions.OSError for Python 2; CPython's OSError() then turns
                # itself into FileNotFoundError, which no inert reader can know
                continue
            data = pickle.dumps(v, protocol=proto)
            print('%s\t%d\t%s\t%s' % (name, proto, data.hex(), canon(v)))


def check():
    for line in sys.stdin:
        if not line.strip():
            continue
        name, hexdata = line.rstrip('\n').split('\t')
        data = bytes.fromhex(hexdata)
        try:
            obj = pickle.loads(data)
            out = '%s\t%s\t%d' % (name, canon(obj), pickle.dumps(obj, 4) == data)
        except Exception as e:  # reported to the Rust side, which fails the test
            out = '%s\tERROR\t%r' % (name, e)
        print(out, flush=True)


def canon_files(paths):
    for p in paths:
        with open(p, 'rb') as f:
            print('%s\t%s' % (p, canon(safe_loads(f.read()))))


if __name__ == '__main__':
    sys.setrecursionlimit(10000)
    if sys.argv[1] == 'gen':
        gen()
    elif sys.argv[1] == 'check':
        check()
    elif sys.argv[1] == 'canon':
        canon_files(sys.argv[2:])
