#!/usr/bin/env bash
# t-77: the Ansible content in contrib/ansible passes ansible-lint (its
# production profile, offline: no Galaxy) and ansible-playbook's syntax
# check. Nothing here runs lvsdr: t-75 and t-76 run the playbooks.
# memory: no
. "$(dirname "$0")/lib/common.sh"

ANS=$LVSDR_ROOT/contrib/ansible
TMP=$(mktemp -d /tmp/lvsdr-t77.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
: >"$TMP/ansible.cfg"
export ANSIBLE_CONFIG=$TMP/ansible.cfg ANSIBLE_HOME=$TMP/home ANSIBLE_LOCAL_TEMP=$TMP/tmp
export ANSIBLE_LIBRARY=$ANS/library ANSIBLE_NOCOLOR=1 NO_COLOR=1

if ! command -v ansible-playbook >/dev/null 2>&1; then
	unavailable "t-77 syntax check" "ansible-playbook missing (package ansible-core)"
else
	for book in cluster.yml cluster-verify.yml examples/realserver.yml; do
		if ansible-playbook -i localhost, --syntax-check "$ANS/$book" >"$TMP/syntax.out" 2>&1; then
			ok "ansible-playbook --syntax-check contrib/ansible/$book"
		else
			not_ok "ansible-playbook --syntax-check contrib/ansible/$book"
			sed 's/^/#   /' "$TMP/syntax.out"
		fi
	done
fi

if ! command -v ansible-lint >/dev/null 2>&1; then
	unavailable "t-77 ansible-lint" "ansible-lint missing (package ansible-lint)"
else
	# From contrib/ansible, so that the playbooks find roles/ beside them.
	if (cd "$ANS" && ansible-lint --offline --strict --nocolor -p roles/lvsdr_cluster cluster.yml cluster-verify.yml) \
		>"$TMP/lint.out" 2>&1; then
		ok "ansible-lint (production profile): the role lvsdr_cluster and its playbooks are clean"
	else
		not_ok "ansible-lint (production profile): the role lvsdr_cluster and its playbooks are clean"
		sed 's/^/#   /' "$TMP/lint.out"
	fi
fi
