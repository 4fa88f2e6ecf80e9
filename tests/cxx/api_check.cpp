// tests/cxx/api_check.cpp -- libpinky's public API as a C++17 program sees it.
//
// Built with g++ -std=c++17 -Wall -Wextra -Wpedantic -Werror, linked against
// libpinky.so and run by scripts/check-headers, which generates
// api_functions.inc from include/pinky/*.h:
//   PINKY_CHECK_FN(name)    for every function the headers declare
//   PINKY_CHECK_INIT(type)  for every void type_init(type *)
// Taking the address of every declared function makes the compiler check
// each declaration as C++ and the linker find each one in the library.
// Everything called here needs no database.  Exit 0 when every check passes.

#include <pinky/pinky.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

// ---- layout facts the C and C++ views must share --------------------------
static_assert(sizeof(pinky_status) == sizeof(int), "enums in structs are int-sized");
static_assert(sizeof(pinky_document_category) == sizeof(int), "enums in structs are int-sized");
static_assert(sizeof(pinky_uuid) == 16, "pinky_uuid is 16 bytes");
static_assert(sizeof(pinky_time) == 8, "pinky_time is int64 microseconds");
static_assert(std::is_standard_layout<pinky_document>::value &&
                  std::is_trivially_copyable<pinky_document>::value,
              "row structs are plain C structs");
static_assert(std::is_trivially_copyable<pinky_opt_uuid>::value, "option structs are plain");
static_assert(offsetof(pinky_db_options, struct_size) == 0, "struct_size comes first");

namespace {

int checks = 0;
int failures = 0;

void check(bool ok, const char *what, int line)
{
    ++checks;
    if (!ok) {
        ++failures;
        std::fprintf(stderr, "api_check: line %d: CHECK failed: %s\n", line, what);
    }
}
#define CHECK(cond) check((cond), #cond, __LINE__)

void check_str(const char *got, const char *want, const char *what, int line)
{
    ++checks;
    if (got == nullptr || std::strcmp(got, want) != 0) {
        ++failures;
        std::fprintf(stderr, "api_check: line %d: %s is \"%s\", want \"%s\"\n", line, what,
                     got ? got : "(null)", want);
    }
}
#define CHECK_STR(got, want) check_str((got), (want), #got, __LINE__)

// ---- every declared function, by address ------------------------------------
struct fn_ref {
    const char *name;
    void (*addr)();
};

#define PINKY_CHECK_FN(name) {#name, reinterpret_cast<void (*)()>(&name)},
#define PINKY_CHECK_INIT(type)
const fn_ref all_functions[] = {
#include "api_functions.inc"
};
#undef PINKY_CHECK_FN
#undef PINKY_CHECK_INIT

// ---- every *_init against C++'s sizeof ----------------------------------------
template <class T, class = void>
struct has_struct_size : std::false_type {};
template <class T>
struct has_struct_size<T, std::void_t<decltype(std::declval<T &>().struct_size)>>
    : std::true_type {};

int inits_checked = 0;

// The library's init must write exactly sizeof(T) bytes -- the size C++
// computed -- and put that size in struct_size.
template <class T>
void check_init(const char *name, void (*init)(T *))
{
    static_assert(std::is_standard_layout<T>::value, "public structs are plain C structs");
    const std::size_t guard = 64;
    void *mem = std::malloc(sizeof(T) + guard);
    if (mem == nullptr)
        std::abort();
    auto *bytes = static_cast<unsigned char *>(mem);
    std::memset(bytes, 0xA5, sizeof(T) + guard);
    init(static_cast<T *>(mem));
    ++inits_checked;
    bool guard_ok = true;
    for (std::size_t i = sizeof(T); i < sizeof(T) + guard; i++)
        guard_ok = guard_ok && bytes[i] == 0xA5;
    ++checks;
    if (!guard_ok) {
        ++failures;
        std::fprintf(stderr, "api_check: %s_init wrote past C++'s sizeof(%s) = %zu\n", name, name,
                     sizeof(T));
    }
    if constexpr (has_struct_size<T>::value) {
        static_assert(offsetof(T, struct_size) == 0, "struct_size comes first");
        std::uint32_t size = 0;
        std::memcpy(&size, bytes, sizeof size);
        ++checks;
        if (size != sizeof(T)) {
            ++failures;
            std::fprintf(stderr, "api_check: %s_init set struct_size %u, C++'s sizeof is %zu\n",
                         name, static_cast<unsigned>(size), sizeof(T));
        }
    }
    std::free(mem);
}

void check_all_inits()
{
#define PINKY_CHECK_FN(name)
#define PINKY_CHECK_INIT(type) check_init<type>(#type, &type##_init);
#include "api_functions.inc"
#undef PINKY_CHECK_FN
#undef PINKY_CHECK_INIT
}

// ---- a process-wide allocator written in C++ ----------------------------------
struct counting_allocator {
    std::size_t mallocs = 0, reallocs = 0, frees = 0;
};
counting_allocator counts;

void *count_malloc(std::size_t size, void *ctx)
{
    static_cast<counting_allocator *>(ctx)->mallocs++;
    return std::malloc(size);
}
void *count_realloc(void *ptr, std::size_t size, void *ctx)
{
    static_cast<counting_allocator *>(ctx)->reallocs++;
    return std::realloc(ptr, size);
}
void count_free(void *ptr, void *ctx)
{
    if (ptr)
        static_cast<counting_allocator *>(ctx)->frees++;
    std::free(ptr);
}

// ---- the calls -------------------------------------------------------------------
void check_version_and_status()
{
    CHECK_STR(pinky_version(), PINKY_VERSION_STRING);
    CHECK_STR(pinky_status_str(PINKY_OK), "OK");
    CHECK_STR(pinky_status_str(PINKY_NOT_FOUND), "NOT_FOUND");
    CHECK_STR(pinky_status_str(PINKY_INVALID), "INVALID");
    CHECK_STR(pinky_status_str(PINKY_SERIALIZATION), "SERIALIZATION");
    CHECK_STR(pinky_status_str(PINKY_INTERNAL), "INTERNAL");
    CHECK(pinky_status_str(static_cast<pinky_status>(999)) != nullptr);
}

void check_uuid()
{
    pinky_uuid u{}, v{};
    char buf[PINKY_UUID_STRLEN];
    CHECK(pinky_uuid_parse("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", &u) == PINKY_OK);
    pinky_uuid_format(&u, buf);
    CHECK_STR(buf, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    CHECK(u.bytes[0] == 0xa0 && u.bytes[15] == 0x11);
    CHECK(pinky_uuid_parse("{a0eebc999c0b4ef8bb6d6bb9bd380a11}", &v) == PINKY_OK);
    CHECK(pinky_uuid_equal(&u, &v));
    CHECK(!pinky_uuid_is_nil(&u));

    pinky_error_clear();
    CHECK(pinky_uuid_parse("not-a-uuid", &v) == PINKY_INVALID);
    const pinky_error *err = pinky_error_last();
    CHECK(err != nullptr && err->status == PINKY_INVALID);
    if (err) {
        CHECK_STR(err->field, "uuid");
        CHECK(err->message != nullptr && err->message[0] != '\0');
        CHECK(err->sqlstate != nullptr && err->sqlstate[0] == '\0');
        pinky_error *copy = pinky_error_copy(err);
        CHECK(copy != nullptr && copy->status == PINKY_INVALID);
        if (copy)
            CHECK_STR(copy->field, "uuid");
        pinky_error_free(copy);
    }
    pinky_error_clear();
    CHECK(pinky_error_last()->status == PINKY_OK);
    CHECK_STR(pinky_error_last()->message, "");

    pinky_uuid nil{};
    CHECK(pinky_uuid_is_nil(&nil));
    pinky_uuid g{}, h{};
    pinky_uuid_generate(&g);
    pinky_uuid_generate(&h);
    CHECK(!pinky_uuid_is_nil(&g) && !pinky_uuid_equal(&g, &h));
    CHECK((g.bytes[6] >> 4) == 4);    // version 4
    CHECK((g.bytes[8] >> 6) == 2);    // RFC 4122 variant
    pinky_opt_uuid ou = pinky_uuid_val(&u);
    CHECK(ou.is_set && pinky_uuid_equal(&ou.value, &u));
}

void check_time()
{
    char buf[PINKY_TIME_STRLEN];
    pinky_time_format(0, buf);
    CHECK_STR(buf, "1970-01-01T00:00:00Z");
    pinky_time t = 0;
    CHECK(pinky_time_from_utc(2024, 2, 29, 13, 45, 0, 123456, &t) == PINKY_OK);
    CHECK(t == INT64_C(1709214300123456));
    pinky_time_format(t, buf);
    CHECK_STR(buf, "2024-02-29T13:45:00.123456Z");
    pinky_time back = 0;
    CHECK(pinky_time_parse(buf, &back) == PINKY_OK && back == t);
    CHECK(pinky_time_parse("2024-02-29 14:45:00.123456+01:00", &back) == PINKY_OK && back == t);
    pinky_time_format(PINKY_TIME_INFINITY, buf);
    CHECK_STR(buf, "infinity");
    pinky_time_format(PINKY_TIME_NEG_INFINITY, buf);
    CHECK_STR(buf, "-infinity");
    CHECK(pinky_time_from_utc(2023, 2, 29, 0, 0, 0, 0, &t) == PINKY_INVALID);
    CHECK(pinky_time_now() > INT64_C(1700000000000000));
    pinky_opt_time ot = pinky_time_val(42);
    CHECK(ot.is_set && ot.value == 42);
}

void check_decimal_and_scalars()
{
    char buf[PINKY_DECIMAL_STRLEN];
    pinky_decimal_format(1234, 2, buf);
    CHECK_STR(buf, "12.34");
    pinky_decimal_format(-5, 2, buf);
    CHECK_STR(buf, "-0.05");
    pinky_decimal_format(7, 0, buf);
    CHECK_STR(buf, "7");
    std::int64_t v = 0;
    CHECK(pinky_decimal_parse("-123.45", 15, 2, &v) == PINKY_OK && v == -12345);
    CHECK(pinky_decimal_parse("1.234", 15, 2, &v) == PINKY_INVALID);   // no silent rounding
    pinky_opt_decimal d = pinky_decimal(1234);
    CHECK(d.is_set && d.value == 1234);
    pinky_opt_i32 i = pinky_i32(-7);
    CHECK(i.is_set && i.value == -7);
    pinky_opt_i64 l = pinky_i64(INT64_C(1) << 40);
    CHECK(l.is_set && l.value == (INT64_C(1) << 40));
    pinky_opt_bool b = pinky_bool(false);
    CHECK(b.is_set && !b.value);

    char hex[65];
    pinky_sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

void check_enums()
{
    CHECK_STR(pinky_document_category_str(PINKY_DOCUMENT_CATEGORY_TAX), "TAX");
    CHECK(pinky_document_category_str(static_cast<pinky_document_category>(0)) == nullptr);
    pinky_document_category c = static_cast<pinky_document_category>(0);
    CHECK(pinky_document_category_parse("LEGAL", &c) == PINKY_OK &&
          c == PINKY_DOCUMENT_CATEGORY_LEGAL);
    CHECK(pinky_document_category_parse("legal", &c) == PINKY_INVALID);
}

void check_migrations()
{
    std::size_t n = pinky_migration_count();
    CHECK(n >= 1);
    const pinky_migration *first = pinky_migration_at(0);
    CHECK(first != nullptr);
    if (first) {
        CHECK(first->version == 1);
        std::string name = first->name ? first->name : "";
        CHECK(name.size() > 4 && name.compare(name.size() - 4, 4, ".sql") == 0);
        CHECK(first->sql != nullptr && std::strlen(first->sql) > 0);
        CHECK(first->checksum != nullptr && std::strlen(first->checksum) == 64);
    }
    std::int32_t prev = 0;
    for (std::size_t k = 0; k < n; k++) {
        const pinky_migration *m = pinky_migration_at(k);
        CHECK(m != nullptr && m->version > prev);
        if (m)
            prev = m->version;
    }
    CHECK(pinky_migration_at(n) == nullptr);
}

void check_options()
{
    pinky_db_options o;
    std::memset(&o, 0xff, sizeof o);
    pinky_db_options_init(&o);
    CHECK(o.struct_size == sizeof o);
    CHECK(o.conninfo == nullptr);
    CHECK(o.max_connections == 8 && o.min_connections == 0);
    CHECK(o.acquire_timeout_ms == 5000 && o.connect_timeout_ms == 10000);
    CHECK(o.log == nullptr && !o.disable_prepared);

    pinky_tx_options tx;
    pinky_tx_options_init(&tx);
    CHECK(tx.struct_size == sizeof tx && tx.max_attempts == 5 && !tx.read_only);
    CHECK(tx.isolation == PINKY_ISOLATION_DEFAULT);

    pinky_db_stats stats;
    pinky_db_stats_init(&stats);
    CHECK(stats.struct_size == sizeof stats && stats.total == 0 && stats.acquires == 0);

    // rejected before any connection is attempted
    pinky_db *db = reinterpret_cast<pinky_db *>(&o);
    o.struct_size = 3;
    CHECK(pinky_db_open(&o, &db) == PINKY_INVALID);
    CHECK(db == nullptr);
    CHECK_STR(pinky_error_last()->field, "options.struct_size");
    CHECK(pinky_db_open(nullptr, nullptr) == PINKY_INVALID);

    pinky_document doc;
    pinky_document_init(&doc);
    CHECK(doc.struct_size == sizeof doc && doc.title == nullptr && !doc.version.is_set);
    pinky_document_filter f;
    pinky_document_filter_init(&f);
    CHECK(f.struct_size == sizeof f && f.cursor == nullptr);
    pinky_user user;
    pinky_user_init(&user);
    CHECK(user.struct_size == sizeof user);
}

}  // namespace

int main()
{
    // Before any other call, as the header asks.
    pinky_allocator alloc;
    pinky_allocator_init(&alloc);
    alloc.malloc_fn = count_malloc;
    alloc.realloc_fn = count_realloc;
    alloc.free_fn = count_free;
    alloc.ctx = &counts;
    CHECK(pinky_set_allocator(&alloc) == PINKY_OK);

    std::size_t nfn = sizeof all_functions / sizeof all_functions[0];
    for (const fn_ref &f : all_functions) {
        ++checks;
        if (f.addr == nullptr) {
            ++failures;
            std::fprintf(stderr, "api_check: %s has no address\n", f.name);
        }
    }

    check_version_and_status();
    check_uuid();
    check_time();
    check_decimal_and_scalars();
    check_enums();
    check_migrations();
    check_options();
    check_all_inits();

    CHECK(counts.mallocs > 0);                  // the error copy went through it
    CHECK(counts.frees > 0);

    if (failures) {
        std::printf("api_check: FAILED -- %d of %d checks\n", failures, checks);
        return 1;
    }
    std::printf("api_check: OK -- %zu functions referenced, %d inits checked against C++ sizeof, "
                "%d checks\n",
                nfn, inits_checked, checks);
    return 0;
}
