# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The provider-neutral parts of the registrar interface."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import (
    Domain,
    RegistrarError,
    run_concurrently,
)


def test_run_concurrently_keeps_the_order():
    assert run_concurrently(lambda n: n * n, range(50), 8) == [n * n for n in range(50)]


def test_run_concurrently_stops_starting_calls_after_the_first_error():
    started = []
    lock = threading.Lock()

    def read(n):
        with lock:
            started.append(n)
        if n == 0:
            raise RegistrarError('InvalidAccessKeyId.NotFound')
        time.sleep(0.02)
        return n

    with pytest.raises(RegistrarError):
        run_concurrently(read, range(500), 8)
    assert len(started) < 100  # not every domain read with a key that does not work


def test_a_domain_returns_its_providers_facts_as_they_are():
    domain = Domain('example.com', ['ns1.example.com'], {'instance_id': 'S1'})
    assert domain.summary() == {'name': 'example.com', 'instance_id': 'S1'}
    assert domain.as_dict() == {'name': 'example.com', 'instance_id': 'S1', 'nameservers': ['ns1.example.com']}
    assert Domain('example.org').as_dict() == {'name': 'example.org', 'nameservers': []}
