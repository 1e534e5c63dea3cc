# -*- coding: utf-8 -*-
# Copyright (c) dnsops.nameservers contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The provider-neutral retry policy (RetryingClient), with attempts scripted as plain functions.

The Alibaba client's tests (test_alicloud_client.py) drive the same policy over HTTP.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dnsops.nameservers.plugins.module_utils._http import RetryingClient, number_option, scrub
from ansible_collections.dnsops.nameservers.plugins.module_utils._registrar import RegistrarError, WriteOutcomeUnknown

SECRET = 'generic-secret-value'


class Client(RetryingClient):
    def secrets(self):
        return (SECRET, None)


def scripted(outcomes):
    """An attempt function: raises or returns each outcome in turn; ``sent`` counts the attempts."""
    outcomes = list(outcomes)
    sent = []

    def attempt():
        sent.append(1)
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome
    return attempt, sent


def make_client(**kwargs):
    sleeps = []
    now = [0.0]

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds
    client = Client(sleep=sleep, clock=lambda: now[0], rand=lambda: 1.0, **kwargs)
    return client, sleeps


def busy(refused=True):
    return RegistrarError('busy', code='Busy', retryable=True, refused=refused)


def test_a_read_is_retried_after_any_transient_error():
    client, sleeps = make_client()
    attempt, sent = scripted([busy(refused=False), busy(), 'answer'])
    assert client.with_retries('read-things', attempt, write=False) == 'answer'
    assert (len(sent), sleeps, client.calls, client.retries) == (3, [0.5, 1.0], {'read': 1, 'write': 0}, 2)


def test_a_write_is_retried_only_when_it_certainly_had_no_effect():
    client, sleeps = make_client()
    attempt, sent = scripted([busy(), busy(), 'accepted'])
    assert client.with_retries('write-thing', attempt, write=True) == 'accepted'
    assert len(sent) == 3
    attempt, sent = scripted([busy(refused=False), 'would be a second copy'])
    with pytest.raises(WriteOutcomeUnknown) as info:
        client.with_retries('write-thing', attempt, write=True)
    assert len(sent) == 1
    assert info.value.message.startswith('busy; the registry may have applied this change, so it was not sent again')
    assert (info.value.code, info.value.refused, info.value.retryable) == ('Busy', False, False)


def test_a_write_whose_answer_cannot_be_read_is_never_sent_again():
    client, sleeps = make_client()
    garbled = RegistrarError('not JSON', retryable=False, refused=False)
    attempt, sent = scripted([garbled, 'never'])
    with pytest.raises(WriteOutcomeUnknown):
        client.with_retries('write-thing', attempt, write=True)
    assert (len(sent), sleeps) == (1, [])


def test_errors_that_are_not_transient_are_raised_at_once():
    client, sleeps = make_client()
    attempt, sent = scripted([RegistrarError('no such thing', code='NotFound'), 'never'])
    with pytest.raises(RegistrarError):
        client.with_retries('read-things', attempt, write=False)
    assert (len(sent), sleeps) == (1, [])


def test_giving_up_names_the_attempts_and_the_limit():
    client, sleeps = make_client(max_retries=2)
    attempt, sent = scripted([busy(), busy(), busy(), 'never'])
    with pytest.raises(RegistrarError) as info:
        client.with_retries('read-things', attempt, write=False)
    assert 'busy; gave up after 3 attempts' in str(info.value) and 'max_retries=2 reached' in str(info.value)
    assert info.value.code == 'Busy'


def test_a_retry_after_beyond_the_time_left_gives_up_at_once():
    client, sleeps = make_client(retry_max_time=10)
    error = busy()
    error.retry_after = 30
    attempt, sent = scripted([error, 'never'])
    with pytest.raises(RegistrarError) as info:
        client.with_retries('read-things', attempt, write=False)
    assert (len(sent), sleeps) == (1, []) and 'retry_max_time=10 s reached' in str(info.value)


def test_errors_built_by_the_client_never_show_a_secret():
    client, dummy = make_client()
    error = client.error('read-things', 'the server echoed %s' % SECRET, status=502)
    assert str(error) == 'the server echoed ******** (read-things, HTTP 502)'
    assert scrub('sent a%2Fb%3Dc, a%252Fb%253Dc and a/b=c', ['a/b=c']) == 'sent ********, ******** and ********'


@pytest.mark.parametrize('value, message', [
    (0, 'option timeout must be between 1 and 600, got 0'),
    ('soon', "option timeout must be a number, got 'soon'"),
    (True, 'option timeout must be a number, got True'),
])
def test_number_options_are_checked(value, message):
    with pytest.raises(RegistrarError) as info:
        number_option({'timeout': value}, 'timeout', 30, (1, 600))
    assert str(info.value) == message
