# shellcheck shell=bash
# LAB_IP_* come from lab.sh through names shellcheck cannot follow; BIN,
# HOSTS and TMP are for the scripts that source this file.
# shellcheck disable=SC2034,SC2154
# The Ansible role contrib/ansible/roles/lvsdr_cluster run against the lab's
# namespaces standing in for four hosts (t-76 on this kernel, t-78 in the
# IPVS guest): one inventory, as an operator writes it, and host_vars beside
# it holding only the tests' plumbing. Source it after common.sh and lab.sh,
# with TMP set to the test's private folder, then:
#
#   cluster_setup APPLY       ansible's environment (everything under TMP), a
#                             private copy of lvsdr (BIN), the inventory with
#                             rs2 weight 2 and each host's host_vars;
#                             APPLY is lvsdr_director_apply (true or false)
#   cluster_inventory WEIGHT2 rewrite the inventory, rs2 at that weight
#   play TAG PLAYBOOK [ARGS...]   ansible-playbook, output in TMP/TAG.out
#   recap TAG                 "HOST changed=N failed=N" per host, sorted
#   recap_is TAG CHANGED...   that recap: these changed= counts for dir1
#                             dir2 rs1 rs2, failed=0 everywhere
#   expect_play NAME TAG PLAYBOOK CHANGED... -- [ARGS...]   play, recap_is
#   show TAG                  the run's output as comment lines
#   has FILE PATTERN          grep -q
#   profile_of HOST           the profile the role writes for HOST
#
# A test may redefine, after sourcing: cluster_python HOST (the host's
# ansible_python_interpreter), cluster_binary HOST (its lvsdr_binary) and
# cluster_extra_vars HOST (more host_vars lines).
#
# Each host has the local connection and its Python runs inside its
# namespace (ansible_python_interpreter "ip netns exec NS python3"), so every
# module, the template's validate and the lvsdr module included, acts on
# that host.

HOSTS="dir1 dir2 rs1 rs2"
CLUSTER_ANSIBLE=$LVSDR_ROOT/contrib/ansible

cluster_python() { echo "ip netns exec $(ns "$1") /usr/bin/python3"; }
cluster_binary() { echo "$BIN"; }
cluster_extra_vars() { :; }

cluster_setup() {
	local apply=$1 h
	# keepalived's enable_script_security wants the scripts it runs in paths
	# only root can write: a private copy of lvsdr.
	mkdir -p "$TMP/bin" && install -m 0755 "$LVSDR" "$TMP/bin/lvsdr" || return 1
	BIN=$TMP/bin/lvsdr
	: >"$TMP/ansible.cfg"
	export ANSIBLE_CONFIG=$TMP/ansible.cfg ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0
	export ANSIBLE_LOCAL_TEMP=$TMP/ansible/local ANSIBLE_REMOTE_TEMP=$TMP/ansible/remote
	export ANSIBLE_HOME=$TMP/ansible/home ANSIBLE_DEPRECATION_WARNINGS=0 ANSIBLE_PIPELINING=1
	mkdir -p "$TMP/inv/host_vars" || return 1
	cluster_inventory 2
	for h in $HOSTS; do
		cat >"$TMP/inv/host_vars/$h.yml" <<EOF
ansible_connection: local
ansible_become: false
ansible_python_interpreter: $(cluster_python "$h")
lvsdr_install_package: false
lvsdr_keepalived_package: false
lvsdr_keepalived_service: false
lvsdr_systemd: false
lvsdr_director_apply: $apply
lvsdr_binary: $(cluster_binary "$h")
lvsdr_config_dir: $TMP/$h/etc/lvsdr
lvsdr_keepalived_conf: $TMP/$h/etc/keepalived/keepalived.conf
lvsdr_keepalived_fifo: $TMP/$h/run/lvsdr-events.fifo
lvsdr_environment: {LVSDR_RUNDIR: $TMP/run, LVSDR_SYSCTL_ROOT: $TMP/$h}
$(cluster_extra_vars "$h")
EOF
		mkdir -p "$TMP/$h/etc/sysctl.d" "$TMP/$h/etc/modules-load.d" "$TMP/$h/run" || return 1
	done
}

# The cluster, as an operator writes it; rs2's weight is the knob the tests
# turn.
cluster_inventory() {
	cat >"$TMP/inv/cluster.yml" <<EOF
all:
  vars:
    lvsdr_interface: eth0
  children:
    directors:
      vars:
        lvsdr_vips: [$LAB_VIP/24]
        lvsdr_services:
          - name: web
            address: $LAB_VIP
            port: tcp/80
            scheduler: wlc
            drain: 300s
      hosts:
        dir1: {ansible_host: $LAB_IP_dir1}
        dir2: {ansible_host: $LAB_IP_dir2}
    realservers:
      vars:
        lvsdr_vips: [$LAB_VIP]
      hosts:
        rs1: {ansible_host: $LAB_IP_rs1}
        rs2: {ansible_host: $LAB_IP_rs2, lvsdr_weight: $1}
EOF
}

play() {
	local tag=$1 book=$2
	shift 2
	ansible-playbook -i "$TMP/inv/cluster.yml" "$@" "$CLUSTER_ANSIBLE/$book" >"$TMP/$tag.out" 2>&1
}

recap() {
	awk '/^PLAY RECAP/ { r = 1; next } r && NF { print $1, $4, $6 }' "$TMP/$1.out" | sort
}

recap_is() {
	local tag=$1 h want=
	shift
	for h in $HOSTS; do want="$want$h changed=$1 failed=0"$'\n'; shift; done
	[ "$(recap "$tag")" = "${want%$'\n'}" ]
}

show() { sed 's/^/#   /' "$TMP/$1.out"; }
has() { grep -q -- "$2" "$1"; }
profile_of() { case $1 in dir*) echo "$TMP/$1/etc/lvsdr/director.ini" ;; *) echo "$TMP/$1/etc/lvsdr/realserver.ini" ;; esac; }

expect_play() {
	local name=$1 tag=$2 book=$3 counts=()
	shift 3
	while [ "$1" != -- ]; do counts+=("$1"); shift; done
	shift
	play "$tag" "$book" "$@"
	if recap_is "$tag" "${counts[@]}"; then
		ok "$name"
	else
		not_ok "$name (recap: $(recap "$tag" | tr '\n' ' '))"
		show "$tag"
	fi
}
