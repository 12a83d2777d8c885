# Shared by scripts/run and scripts/test: make sure the services Marquee needs are
# installed and running on loopback, on a fresh Debian/Ubuntu machine too.
# Sourced, not run. Sets MARQUEE_DB_SERVER (a mysql:// URL without a database).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The Korean dictionary cache shipped beside the repo for offline builds; without it
# lindera downloads the dictionary as usual.
if [ -d "$ROOT/../shared/lindera-cache" ]; then
  LINDERA_BUILD_DICTIONARY_CACHE_DIR="$(cd "$ROOT/../shared/lindera-cache" && pwd)"
  export LINDERA_BUILD_DICTIONARY_CACHE_DIR
fi

APT_UPDATED=""
apt_install() {
  command -v apt-get >/dev/null || die "$* is missing and this is not a Debian/Ubuntu machine: install it by hand"
  if [ -z "$APT_UPDATED" ]; then
    log "apt-get update"
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  log "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_rust() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs), then run this again"
}

mariadb_up() { mysqladmin --protocol=tcp -h127.0.0.1 -P3306 -uroot --connect-timeout=2 ping >/dev/null 2>&1 \
  || mysqladmin --protocol=tcp -h127.0.0.1 -P3306 -umarquee -pmarquee --connect-timeout=2 ping >/dev/null 2>&1; }

ensure_mariadb() {
  if ! mariadb_up && ! [ -x /usr/sbin/mariadbd ] && ! [ -x /usr/sbin/mysqld ]; then
    apt_install mariadb-server mariadb-client
  fi
  if ! mariadb_up; then
    log "starting MariaDB"
    as_root service mariadb start >/dev/null 2>&1 || {
      as_root mkdir -p /run/mysqld && as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
      as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
    }
    for _ in $(seq 1 60); do mariadb_up && break; sleep 0.5; done
    mariadb_up || die "MariaDB did not start on 127.0.0.1:3306"
  fi
  # Fresh Debian installs let root in only through the unix socket; then make a
  # password login for the app and its tests.
  if mysql --protocol=tcp -h127.0.0.1 -uroot -e 'select 1' >/dev/null 2>&1; then
    MARQUEE_DB_SERVER="mysql://root@127.0.0.1:3306"
  else
    if ! mysql --protocol=tcp -h127.0.0.1 -umarquee -pmarquee -e 'select 1' >/dev/null 2>&1; then
      log "creating the MariaDB user marquee"
      as_root mysql -uroot -e "create user if not exists 'marquee'@'127.0.0.1' identified by 'marquee';
        create user if not exists 'marquee'@'localhost' identified by 'marquee';
        grant all privileges on *.* to 'marquee'@'127.0.0.1'; grant all privileges on *.* to 'marquee'@'localhost';
        flush privileges;" || die "cannot log in to MariaDB as root to create the marquee user"
    fi
    MARQUEE_DB_SERVER="mysql://marquee:marquee@127.0.0.1:3306"
  fi
  export MARQUEE_DB_SERVER
}

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

ensure_redis() {
  command -v redis-server >/dev/null || redis_up || apt_install redis-server redis-tools
  if ! redis_up; then
    log "starting Redis"
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/marquee.log >/dev/null
    for _ in $(seq 1 40); do redis_up && break; sleep 0.25; done
    redis_up || die "Redis did not start on 127.0.0.1:6379"
  fi
}

ensure_services() {
  ensure_rust
  command -v mysqladmin >/dev/null || apt_install mariadb-client
  command -v redis-cli >/dev/null || apt_install redis-tools
  ensure_mariadb
  ensure_redis
}

# Starts the debug marquee-api binary for an outside-in test run (the contract, the
# browser journeys) on a fresh database `marquee_test_<kind>_<random>` with the demo
# catalog, on a free loopback port. Sets TEST_API_BASE (http://127.0.0.1:PORT),
# TEST_API_DB, TEST_API_WORK (a scratch directory; the index is in its index/) and
# TEST_API_PID; stop_test_api stops it by pid and drops the database. Extra
# NAME=value arguments are passed to the api's environment.
start_test_api() {
  local kind="$1"
  shift
  cargo build --quiet -p marquee-api --bin marquee-api
  TEST_API_DB="marquee_test_${kind}_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  TEST_API_WORK="$(mktemp -d)"
  TEST_API_SERVER="${TEST_DATABASE_URL:-$MARQUEE_DB_SERVER}"
  env DATABASE_URL="$TEST_API_SERVER/$TEST_API_DB" \
    JWT_SECRET="$kind-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    BIND_ADDR=127.0.0.1:0 DEMO_CATALOG=true INDEX_DIR="$TEST_API_WORK/index" \
    QUEUE_KEY_PREFIX="$TEST_API_DB" REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}" RUST_LOG=warn \
    "$@" "$ROOT/target/debug/marquee-api" > "$TEST_API_WORK/api.out" 2> "$TEST_API_WORK/api.err" &
  TEST_API_PID=$!
  TEST_API_BASE=
  for _ in $(seq 1 240); do
    kill -0 "$TEST_API_PID" 2>/dev/null || { cat "$TEST_API_WORK/api.err" >&2; die "marquee-api exited during start-up"; }
    TEST_API_BASE="$(sed -n 's|^Marquee on \(http://[^/ ]*\)/ .*|\1|p' "$TEST_API_WORK/api.out" 2>/dev/null || true)"
    [ -n "$TEST_API_BASE" ] && break
    sleep 0.5
  done
  [ -n "$TEST_API_BASE" ] || die "marquee-api did not report its address"
}

stop_test_api() {
  [ -n "${TEST_API_PID:-}" ] && kill "$TEST_API_PID" 2>/dev/null && wait "$TEST_API_PID" 2>/dev/null || true
  local mysql_args=(--protocol=tcp -h127.0.0.1 -uroot)
  case "${TEST_API_SERVER:-}" in *marquee:marquee@*) mysql_args=(--protocol=tcp -h127.0.0.1 -umarquee -pmarquee) ;; esac
  [ -n "${TEST_API_DB:-}" ] && mysql "${mysql_args[@]}" -e "drop database if exists \`$TEST_API_DB\`" 2>/dev/null || true
  [ -n "${TEST_API_WORK:-}" ] && rm -rf "$TEST_API_WORK"
  return 0
}

# Debian's Chromium, Korean fonts for the screenshots, Node.js and the npm packages of
# tests/web (playwright-core, axe-core): what the browser tests and `bench web` need.
ensure_browser_tools() {
  command -v chromium >/dev/null || apt_install chromium
  # Korean glyphs in the screenshots (phones have Korean fonts; a bare server does not).
  fc-list :lang=ko 2>/dev/null | grep -q . || apt_install fonts-noto-cjk
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  if ! [ -d tests/web/node_modules/playwright-core ] || ! [ -d tests/web/node_modules/axe-core ]; then
    log "installing playwright-core and axe-core into tests/web/node_modules"
    npm ci --prefix tests/web --no-audit --no-fund --silent
  fi
}
