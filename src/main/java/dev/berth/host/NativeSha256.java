package dev.berth.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;
import java.security.MessageDigest;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * SHA-256 computed by the host's libcrypto (OpenSSL 3), through FFM: the daemon runs C1 only (start-up,
 * memory), which leaves Java's SHA-256 without the CPU's SHA instructions; libcrypto uses them. Every pulled,
 * loaded and committed byte is hashed, some twice. Where libcrypto is missing, Java's implementation is used.
 */
public final class NativeSha256 extends MessageDigest {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Cleaner CLEANER = Cleaner.create();
    private static final Optional<Functions> FUNCTIONS = load();

    private record Functions(MethodHandle ctxNew, MethodHandle ctxFree, MethodHandle sha256, MethodHandle init, MethodHandle update,
                             MethodHandle fin) {}

    private static Optional<Functions> load() {
        try {
            SymbolLookup lib = SymbolLookup.libraryLookup("libcrypto.so.3", Arena.global());
            return Optional.of(new Functions(
                    handle(lib, "EVP_MD_CTX_new", FunctionDescriptor.of(ADDRESS)),
                    handle(lib, "EVP_MD_CTX_free", FunctionDescriptor.ofVoid(ADDRESS)),
                    handle(lib, "EVP_sha256", FunctionDescriptor.of(ADDRESS)),
                    handle(lib, "EVP_DigestInit_ex", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS)),
                    // critical: Java arrays are passed as they are, no copy into native memory per update
                    LINKER.downcallHandle(lib.find("EVP_DigestUpdate").orElseThrow(),
                            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), Linker.Option.critical(true)),
                    handle(lib, "EVP_DigestFinal_ex", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS))));
        } catch (RuntimeException missing) {
            return Optional.empty();
        }
    }

    private static MethodHandle handle(SymbolLookup lib, String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(lib.find(name).orElseThrow(), fd);
    }

    /** A SHA-256 digest: libcrypto's where the host has it, else Java's. */
    public static MessageDigest create() {
        if (FUNCTIONS.isEmpty()) {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return new NativeSha256(FUNCTIONS.get());
    }

    private final Functions f;
    private final MemorySegment ctx;

    private NativeSha256(Functions f) {
        super("SHA-256");
        this.f = f;
        try {
            this.ctx = (MemorySegment) f.ctxNew().invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        MemorySegment c = ctx;
        CLEANER.register(this, () -> {
            try {
                f.ctxFree().invokeExact(c);
            } catch (Throwable ignored) {
                // nothing more to free
            }
        });
        engineReset();
    }

    @Override
    protected void engineUpdate(byte input) {
        engineUpdate(new byte[] {input}, 0, 1);
    }

    @Override
    protected void engineUpdate(byte[] input, int offset, int len) {
        if (len == 0) {
            return;
        }
        try {
            int ok = (int) f.update().invokeExact(ctx, MemorySegment.ofArray(input).asSlice(offset, len), (long) len);
            check(ok, "EVP_DigestUpdate");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    protected byte[] engineDigest() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(32);
            int ok = (int) f.fin().invokeExact(ctx, out, MemorySegment.NULL);
            check(ok, "EVP_DigestFinal_ex");
            byte[] result = out.toArray(ValueLayout.JAVA_BYTE);
            engineReset();
            return result;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    protected void engineReset() {
        try {
            int ok = (int) f.init().invokeExact(ctx, (MemorySegment) f.sha256().invokeExact(), MemorySegment.NULL);
            check(ok, "EVP_DigestInit_ex");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    protected int engineGetDigestLength() {
        return 32;
    }

    private static void check(int ok, String what) {
        if (ok != 1) {
            throw new IllegalStateException(what + " failed in libcrypto");
        }
    }
}
