// Drives Ironclad's official Activity API SDK (pactsafe-activity-node), unmodified, against a
// clickproof server: every method of Activity, Group and Signer, test mode on and off.
// Usage: SDK_DIR=<installed SDK> HOST=http://127.0.0.1:PORT SID=<access id> CONTRACTS=1,2,3 node drive_sdk.js
// Prints one JSON document: [{call, error, body}], in call order.
'use strict';

const Activity = require(process.env.SDK_DIR);
const host = process.env.HOST;
const sid = process.env.SID;
const contracts = process.env.CONTRACTS.split(',').map(Number);
const results = [];

function record(call) {
  return new Promise((resolve) => {
    call.run((err, body) => {
      results.push({ call: call.name, error: err ? String(err.message || err) : null, body: body === undefined ? null : body });
      resolve(body);
    });
  });
}

function call(name, run) {
  return record({ name, run });
}

async function main() {
  const tested = new Activity(sid, { test_mode: true }, { host });
  const live = new Activity(sid, { test_mode: false }, { host });

  // Activity.load → Group, then every Group method.
  let group = null;
  await call('activity.load', (cb) => tested.load('signup', { CompanyName: 'ACME Ltd' }, (err, g) => {
    group = g || null;
    cb(err, g ? g.toJSON() : null);
  }));
  await call('group.agreed', (cb) => group.agreed('ann@example.com', {
    page_title: 'Order Checkout',
    remote_address: '203.0.113.7',
    browser_timezone: -300,
    browser_locale: 'en-us',
    custom_data: { first_name: 'Ann', vip: true, seats: 5 },
  }, cb));
  await call('group.disagreed', (cb) => group.disagreed('bob@example.com', { page_title: 'Order Checkout' }, cb));
  await call('group.send.displayed', (cb) => group.send('displayed', { signer_id: 'ann@example.com' }, cb));
  await call('group.send.visited', (cb) => group.send('visited', { signer_id: 'ann@example.com' }, cb));
  await call('group.latest', (cb) => group.latest('ann@example.com', cb));
  await call('group.retrieve', (cb) => group.retrieve('ann@example.com', cb));
  const firstRender = group.get('render_id');
  await call('group.reload', (cb) => group.reload({ CompanyName: 'Beta GmbH' }, (err, g) => cb(err, g ? g.toJSON() : null)));
  results[results.length - 1].first_render_id = firstRender;
  await call('group.agreed.after_reload', (cb) => group.agreed('erin@example.com', {}, cb));

  // Activity's own methods, with what the group presented.
  const presented = { render_id: group.get('render_id'), contracts: group.get('contracts'), versions: group.get('versions') };
  await call('activity.agreed', (cb) => tested.agreed('carol@example.com', Object.assign({ revisions: ['rev-1'] }, presented), cb));
  await call('activity.disagreed', (cb) => tested.disagreed('dave@example.com', Object.assign({}, presented), cb));
  await call('activity.send.agreed.numeric_signer', (cb) => tested.send('agreed', Object.assign({ signer_id: 12345 }, presented), cb));
  await call('activity.send.displayed', (cb) => tested.send('displayed', { signer_id: 'ann@example.com', versions: presented.versions }, cb));
  await call('activity.send.visited', (cb) => tested.send('visited', { signer_id: 'ann@example.com', group: group.get('group') }, cb));
  await call('activity.send.updated', (cb) => tested.send('updated', { signer_id: 'ann@example.com', custom_data: { title: 'CTO' } }, cb));
  await call('activity.latest', (cb) => tested.latest('ann@example.com', contracts, cb));
  await call('activity.retrieve', (cb) => tested.retrieve('ann@example.com', contracts, cb));
  await call('activity.retrieve.without_contracts', (cb) => tested.retrieve('ann@example.com', undefined, cb));

  // Signer.
  const signer = new Activity.Signer(tested, 'ann@example.com', { first_name: 'Ann' });
  await call('signer.retrieve', (cb) => signer.retrieve(contracts, cb));
  await call('signer.latest', (cb) => {
    try {
      signer.latest(contracts, cb);
    } catch (err) {
      cb(new Error('sdk: ' + err.name + ': ' + err.message));
    }
  });

  // Test mode off.
  let liveGroup = null;
  await call('live.load', (cb) => live.load('checkout', {}, (err, g) => {
    liveGroup = g || null;
    cb(err, g ? g.toJSON() : null);
  }));
  await call('live.group.agreed', (cb) => liveGroup.agreed('frank@example.com', { page_title: 'Checkout' }, cb));
  await call('live.latest', (cb) => live.latest('frank@example.com', liveGroup.get('contracts'), cb));

  process.stdout.write(JSON.stringify(results));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err));
  process.exit(1);
});
