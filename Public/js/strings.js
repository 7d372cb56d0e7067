// Every string the web app shows, in one place; dates, durations and numbers
// go through Intl so a translation only replaces this module.

const locale = navigator.language || 'en';
const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(locale, { dateStyle: 'long' });
const number = new Intl.NumberFormat(locale);
const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
const plural = new Intl.PluralRules(locale);

export const formatDateTime = (iso) => dateTime.format(new Date(iso));
export const formatDate = (iso) => dateOnly.format(new Date(iso));
export const formatNumber = (n) => number.format(n);

const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
/** "42.5%" for a fraction 0…1. */
export const formatPercent = (fraction) => percent.format(Number.isFinite(fraction) ? fraction : 0);

const byteUnits = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte', 'petabyte'].map((unit) =>
  new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: unit === 'byte' ? 'long' : 'short', maximumFractionDigits: 1 }));
/** "1.2 MB" (powers of 1,000, as the unit names say). */
export function formatBytes(bytes) {
  let value = Math.max(0, Number(bytes) || 0);
  let unit = 0;
  while (Math.round(value * 10) / 10 >= 1000 && unit < byteUnits.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return byteUnits[unit].format(value);
}

const timeUnits = ['second', 'minute', 'hour', 'day'].map((unit) =>
  new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long', maximumFractionDigits: 1 }));
/** "45 seconds", "12 minutes", "5.5 hours", "3 days" for a length of time. */
export function formatSpan(seconds) {
  const value = Math.max(0, Number(seconds) || 0);
  if (value < 60) return timeUnits[0].format(Math.round(value));
  if (value < 3600) return timeUnits[1].format(Math.round(value / 60));
  if (value < 86400 * 2) return timeUnits[2].format(Math.round(value / 360) / 10);
  return timeUnits[3].format(Math.round(value / 8640) / 10);
}

// Dates of periods (analytics buckets) are calendar days in UTC, whatever the viewer's zone.
const dayShort = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' });
const dayLong = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const monthShort = new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' });
const monthLong = new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' });
const utcDate = (day) => new Date(/^\d{4}-\d{2}-\d{2}$/.test(day) ? `${day}T00:00:00Z` : day);
/** A period's start ("2026-11-03") as "3 Nov" (day or week) or "Nov 2026" (month); `long` for tables. */
export function formatPeriod(day, interval, { long = false } = {}) {
  const date = utcDate(day);
  if (Number.isNaN(date.getTime())) return String(day);
  if (interval === 'month') return (long ? monthLong : monthShort).format(date);
  return (long ? dayLong : dayShort).format(date);
}

/** "3:07" for a number of seconds. */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '0:00';
  const whole = Math.floor(seconds);
  const minutes = Math.floor(whole / 60);
  const rest = String(whole % 60).padStart(2, '0');
  return `${minutes}:${rest}`;
}

/** "5 minutes ago", "yesterday" … */
export function formatRelative(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const units = [['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400], ['hour', 3600], ['minute', 60]];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(Math.round(seconds), 'second');
}

const count = (n, one, other) => `${number.format(n)} ${plural.select(n) === 'one' ? one : other}`;

export const t = {
  appName: 'Based',
  skipToContent: 'Skip to content',
  nav: {
    label: 'Main',
    home: 'Home',
    search: 'Search',
    library: 'Library',
    messages: 'Messages',
    events: 'Events',
    notifications: 'Notifications',
    notificationsUnread: (n) => `Notifications (${count(n, 'unread', 'unread')})`,
    settings: 'Settings',
    signIn: 'Sign in',
    register: 'Register',
  },
  loading: 'Loading…',
  retry: 'Try again',
  errors: {
    network: 'The server could not be reached. Check your connection and try again.',
    server: 'The server failed to handle the request. Try again in a moment.',
    notFound: 'This page does not exist.',
    notAvailable: 'This part of Based is not available on this server yet.',
    sessionExpired: 'Your session has ended. Please sign in again.',
    unexpected: 'Something went wrong.',
    pageFailed: 'This page could not be loaded',
    field: (field, message) => `${field}: ${message}`,
  },
  signIn: {
    appeal: {
      label: 'Why should this decision be reversed? You can appeal once.',
      send: 'Send appeal',
      sent: 'Your appeal was sent. A moderator will review it.',
    },
    title: 'Sign in',
    login: 'Username or email',
    password: 'Password',
    submit: 'Sign in',
    noAccount: 'New here?',
    register: 'Create an account',
  },
  register: {
    title: 'Create an account',
    username: 'Username',
    usernameHint: '3–30 letters, digits, underscores or dots.',
    email: 'Email',
    password: 'Password',
    passwordHint: 'At least 10 characters; not a common password.',
    role: 'I am a',
    roles: { listener: 'Listener', artist: 'Artist', venue: 'Venue' },
    submit: 'Create account',
    haveAccount: 'Already have an account?',
    signIn: 'Sign in',
  },
  home: {
    title: 'Home',
    greeting: (name) => `Welcome back, ${name}`,
    newTracks: 'New tracks',
    newTracksEmpty: 'No tracks yet.',
    feed: 'From people you follow',
    feedSuggested: 'Nothing new from people you follow yet; here is what is new near you.',
    feedEmpty: 'Follow artists and venues to see their releases and shows here.',
    released: (artist, kind) => `${artist} · ${kind}`,
    playlistBy: (owner) => `Playlist by ${owner}`,
    findArtists: 'Search for artists',
    shows: 'Upcoming shows',
    showsEmpty: 'No upcoming shows yet.',
    allEvents: 'All events',
  },
  track: {
    play: (title) => `Play ${title}`,
    by: 'by',
    open: (title) => title,
    waveform: (title) => `Waveform of ${title}: seek`,
    waveformUnavailable: 'The waveform is not ready yet.',
    release: 'From the release',
    plays: (n) => count(n, 'play', 'plays'),
    duration: 'Duration',
    genre: 'Genre',
    notReady: (state) => `This track is ${state}.`,
    like: 'Like',
    likes: (n) => count(n, 'like', 'likes'),
    empty: 'No tracks yet.',
    trackNumber: (n) => `${n}.`,
  },
  release: {
    kinds: { album: 'Album', ep: 'EP', single: 'Single' },
    playAll: 'Play all',
    released: (date) => `Released ${date}`,
    credits: 'Credits',
    empty: 'This release has no tracks you can play yet.',
  },
  profile: {
    followers: (n) => count(n, 'follower', 'followers'),
    following: (n) => count(n, 'following', 'following'),
    follow: 'Follow',
    unfollow: 'Unfollow',
    roles: { listener: 'Listener', artist: 'Artist', venue: 'Venue', admin: 'Admin' },
    verified: 'Verified',
    tracks: 'Tracks',
    events: 'Upcoming shows',
    eventsEmpty: 'No upcoming shows.',
    playlists: 'Playlists',
    playlistsEmpty: 'No public playlists.',
    links: 'Links',
    noBio: '',
    you: 'This is you.',
  },
  player: {
    region: 'Player',
    play: 'Play',
    pause: 'Pause',
    next: 'Next',
    previous: 'Previous',
    seek: 'Seek',
    volume: 'Volume',
    nothing: 'Nothing playing',
    position: (at, total) => `${at} of ${total}`,
    queue: 'Queue',
    queueCount: (n) => `(${number.format(n)})`,
    skipped: (title) => `Could not play ${title}; skipped to the next track.`,
    failed: (title) => `Could not play ${title}.`,
    nowPlaying: (title, artist) => `Now playing: ${title} by ${artist}`,
  },
  search: {
    title: 'Search',
    label: 'Search',
    placeholder: 'Artists, tracks, releases, events…',
    prompt: 'Type to search artists, tracks, releases, playlists, venues, events and people.',
    empty: (q) => `Nothing found for “${q}”.`,
    suggestions: 'Suggestions',
    groups: {
      artists: 'Artists', tracks: 'Tracks', releases: 'Releases', playlists: 'Playlists',
      venues: 'Venues', events: 'Events', users: 'People',
    },
  },
  identify: {
    title: 'What’s playing?',
    lead: 'Hold your phone towards the music for 8 seconds: Based tells you which track it is, if it is on Based.',
    button: 'What’s playing?',
    listening: (n) => `Listening for ${n} seconds…`,
    thinking: 'Looking it up…',
    found: (title) => `It’s “${title}”.`,
    at: (when) => `${when} in`,
    noMatch: 'Nothing on Based matches what was heard. Try again closer to the music.',
    denied: 'The microphone is not allowed. Allow it in your browser to identify music.',
    unsupported: 'This browser cannot record from the microphone.',
  },
  library: {
    title: 'Library',
    likes: 'Liked tracks',
    likesEmpty: 'Tracks you like appear here.',
    history: 'Recently played',
    historyEmpty: 'Tracks you play appear here.',
    playlists: 'Playlists',
    playlistsEmpty: 'Playlists you make, edit or follow appear here.',
  },
  playlist: {
    eyebrow: 'Playlist',
    visibility: 'Visibility',
    visibilities: { public: 'Public', unlisted: 'Unlisted (anyone with the link)', private: 'Private (you and collaborators)' },
    visibilityShort: { public: 'Public', unlisted: 'Unlisted', private: 'Private' },
    collaborativeBadge: 'Collaborative',
    by: (owner) => `by ${owner}`,
    tracks: (n) => count(n, 'track', 'tracks'),
    withCollaborators: 'Collaborators:',
    cover: 'Cover',
    playAll: 'Play all',
    entries: 'Tracks',
    empty: 'No tracks yet. Add some from a track’s page with “Add to playlist”.',
    hiddenEntries: (n) => `${count(n, 'track is', 'tracks are')} no longer playable and not shown.`,
    more: 'Show more tracks',
    moveUp: (title) => `Move ${title} up`,
    moveDown: (title) => `Move ${title} down`,
    remove: (title) => `Remove ${title}`,
    dragHandle: 'Drag to reorder',
    reorderHint: 'Reorder with the Move buttons or by dragging a row by its handle.',
    moved: (title, position, total) => `${title} moved to position ${position} of ${total}.`,
    removed: (title) => `${title} removed from the playlist.`,
    changedLive: 'The playlist was changed by someone else and has been updated.',
    offline: 'Live updates are reconnecting: changes by others show when they are back.',
    newPlaylist: 'New playlist',
    create: 'Create playlist',
    title: 'Title',
    description: 'Description',
    collaborative: 'Collaborators can edit',
    edit: 'Edit playlist',
    save: 'Save playlist',
    saved: 'Playlist saved.',
    collaborators: 'Collaborators',
    noCollaborators: 'No collaborators yet.',
    inviteLabel: 'Username to invite',
    invite: 'Invite',
    inviteHint: 'Inviting someone makes the playlist collaborative: they can add, remove and reorder tracks.',
    invited: (name) => `${name} can now edit this playlist.`,
    removeCollaborator: (name) => `Stop ${name} editing`,
    collaboratorRemoved: (name) => `${name} can no longer edit this playlist.`,
    follow: 'Follow playlist',
    delete: 'Delete playlist',
    confirmDelete: (title) => `Delete “${title}” for everyone? This cannot be undone.`,
    confirmDeleteYes: 'Yes, delete playlist',
    keep: 'Keep it',
    deleted: (title) => `Playlist “${title}” deleted.`,
    addTo: 'Add to playlist',
    addChoose: 'Playlist',
    addButton: 'Add',
    addNone: 'You have no playlists you can edit yet.',
    addMake: 'Make one in your Library',
    added: (title) => `Added to “${title}”.`,
  },
  comments: {
    title: 'Comments',
    empty: 'No comments yet. Be the first.',
    off: 'The artist turned comments off for this track.',
    turnOff: 'Turn comments off',
    turnOn: 'Turn comments on',
    turnedOff: 'Comments are off for this track.',
    turnedOn: 'Comments are on for this track.',
    signIn: 'Sign in to comment.',
    text: 'Comment',
    at: 'At (minutes:seconds)',
    atHint: 'Where in the track the comment goes; leave empty for no time.',
    badTime: 'Write the time as minutes:seconds, e.g. 1:23, within the track.',
    usePosition: 'Use the playing position',
    post: 'Post comment',
    posted: 'Comment posted.',
    seekTo: (time, author) => `Play from ${time} (${author}’s comment)`,
    edited: 'edited',
    // Visible labels; the accessible names above and below begin with them and say which comment.
    short: { reply: 'Reply', edit: 'Edit', delete: 'Delete' },
    reply: (author) => `Reply to ${author}`,
    replyText: (author) => `Your reply to ${author}`,
    postReply: 'Post reply',
    replied: 'Reply posted.',
    cancel: 'Cancel',
    edit: (excerpt) => `Edit comment: ${excerpt}`,
    editText: 'Edit your comment',
    save: 'Save comment',
    saved: 'Comment saved.',
    delete: (excerpt) => `Delete comment: ${excerpt}`,
    confirmDelete: 'Delete this comment and its replies?',
    confirmDeleteYes: 'Yes, delete comment',
    keep: 'Keep it',
    deleted: 'Comment deleted.',
    more: 'Show more comments',
    marks: (n) => `${count(n, 'comment is', 'comments are')} marked on the waveform.`,
  },
  messages: {
    deletedUser: 'Deleted user',
    title: 'Messages',
    empty: 'No conversations yet. Start one from someone’s profile.',
    direct: 'Direct message',
    room: 'Room',
    group: 'Group',
    unread: (n) => count(n, 'unread message', 'unread messages'),
    conversation: 'Conversation',
    messageLabel: 'Message',
    send: 'Send',
    typing: (name) => `${name} is typing…`,
    seen: 'Seen',
    deleted: 'Message deleted',
    noMessages: 'No messages yet. Say hello.',
    you: 'You',
    back: 'All conversations',
    offline: 'Live updates are reconnecting…',
    sendTo: (name) => `Message ${name}`,
  },
  report: {
    open: (what) => `Report this ${what}`,
    reason: 'Reason',
    reasons: {
      spam: 'Spam', harassment: 'Harassment', hate: 'Hate', sexual: 'Sexual content', violence: 'Violence',
      copyright: 'Copyright', impersonation: 'Impersonation', other: 'Something else',
    },
    details: 'Details (optional)',
    send: 'Send report',
    sent: 'Thank you. A moderator will look at it.',
  },
  moderation: {
    title: 'Moderation',
    lead: 'Reports of one thing are merged into one case. Decide each case; the owner is told your reason and may appeal once.',
    forbidden: 'Only moderators and admins can open the review queue.',
    show: 'Show',
    statuses: { open: 'Open cases', appealed: 'Appealed cases' },
    empty: 'Nothing to review.',
    caseTitle: (kind, reason, count) => `${kind}: ${reason} (${count === 1 ? '1 report' : `${count} reports`})`,
    appeal: (text) => `Appeal: ${text}`,
    action: 'Decision',
    actions: {
      dismiss: 'Dismiss', hide: 'Hide (take down)', warn: 'Warn', suspend: 'Suspend', ban: 'Ban',
      uphold: 'Uphold the decision', reverse: 'Reverse the decision',
    },
    reason: 'Reason told to the owner',
    days: 'Days (for a suspension)',
    decide: 'Decide',
    decideNamed: (excerpt) => `Decide: ${excerpt}`,
    decided: 'Decided.',
  },
  notifications: {
    title: 'Notifications',
    empty: 'You have no notifications.',
    markAllRead: 'Mark all as read',
    unreadBadge: 'Unread',
    follow: (actor) => `${actor} followed you`,
    message: (actor) => `${actor} sent you a message`,
    release: (actor, title) => `${actor} released ${title || 'something new'}`,
    event_reminder: (title) => `${title || 'An event'} starts soon`,
    ticket_offer: () => 'A ticket you were waiting for is free: claim it within 15 minutes',
    lineup_invite: (actor, title) => `${actor} invites you to play ${title || 'a show'}`,
    lineup: (actor, title) => `${actor} plays ${title || 'a show'}`,
    moderation: (reason) => `A moderator's decision about something of yours: ${reason || 'see Settings'}`,
    export_ready: () => 'Your data export is ready to download',
    other: 'Something happened',
  },
  events: {
    title: 'Events',
    empty: 'No upcoming events.',
    at: (venue) => `at ${venue}`,
    going: (n) => `${count(n, 'going', 'going')}`,
    interested: (n) => `${count(n, 'interested', 'interested')}`,
    cancelled: 'Cancelled',
    rsvp: 'Your RSVP',
    rsvpGoing: 'Going',
    rsvpInterested: 'Interested',
    withdraw: 'Withdraw RSVP',
    signInToRsvp: 'Sign in to RSVP.',
    when: 'When',
    where: 'Where',
    venue: 'Venue',
    rsvpSaved: (status) => `RSVP saved: ${status}.`,
    rsvpWithdrawn: 'RSVP withdrawn.',
    chat: 'Open the event chat',
    lineup: 'Line-up',
    tickets: 'Tickets',
    free: 'Free',
    soldOut: 'sold out',
    left: (n) => `${n} left`,
    claim: (name) => `Get a ${name} ticket`,
    joinWaitlist: (name) => `Join the ${name} waitlist`,
    waiting: (n) => `You are number ${n} on the waitlist. If a ticket comes free, we will tell you.`,
    yourTicket: (name) => `Your ${name} ticket is reserved: pay at the door. Show this code at the door:`,
    addToCalendar: 'Add to calendar',
  },
  settings: {
    title: 'Settings',
    account: 'Account',
    signedInAs: (name) => `Signed in as ${name}`,
    signOut: 'Sign out',
    signOutEverywhere: 'Sign out everywhere',
    signOutEverywhereHint: 'Ends your sessions on every device, this one included.',
    password: 'Change password',
    currentPassword: 'Current password',
    newPassword: 'New password',
    changePassword: 'Change password',
    passwordChanged: 'Your password was changed. Your other devices were signed out.',
    data: {
      title: 'Your data',
      lead: 'Get a copy of everything Based keeps about you: a ZIP with your rows as JSON, a README describing them, your uploads and attachments. It is built in the background; you are notified when it is ready, and its link works for a week.',
      request: 'Request a copy of your data',
      requested: 'Your export is being built. You will be notified when it is ready.',
      none: 'No exports yet.',
      pending: (when) => `Requested ${when}: being built`,
      failed: (when) => `Requested ${when}: failed`,
      ready: (when) => `Requested ${when}: ready`,
      download: 'Download',
      downloadNamed: (when) => `Download the export of ${when}`,
    },
    erase: {
      title: 'Delete your account',
      lead: 'Deleting your account erases your profile, your uploads, playlists, likes, follows, history and devices. Messages you sent stay in their conversations as "deleted message" from "Deleted user", and your plays stay counted for the artists without your name. It happens 7 days after you ask; until then you can cancel here. Export your data first if you want a copy.',
      password: 'Your password, to confirm it is you',
      request: 'Delete my account',
      requested: 'Your account will be deleted in 7 days. You can cancel until then.',
      scheduled: (when) => `Your account will be deleted on ${when}.`,
      erasing: 'Your account is being deleted.',
      cancel: 'Cancel deletion',
      cancelled: 'Deletion cancelled. Your account stays.',
    },
    apps: {
      title: 'Subsonic apps',
      lead: 'Play Based in Amperfy, Symfonium, DSub, Feishin or any other Subsonic app. Give the app this server, your username and an app password made here, never your account password.',
      server: 'Server address',
      username: 'Username',
      howTo: 'In the app, add a Subsonic (or OpenSubsonic) server with these details and paste the app password. Apps that ask for an API key take one instead of a username and password.',
      yours: 'Your app passwords and keys',
      none: 'None yet.',
      name: 'App name',
      kind: 'Kind',
      kindPassword: 'App password',
      kindKey: 'API key',
      create: 'Create app password',
      shownOnce: (name) => `The secret for ${name}. Copy it into the app now: it is not shown again.`,
      revoke: 'Revoke',
      revokeNamed: (name) => `Revoke ${name}`,
      revoked: (name) => `${name} was revoked.`,
      lastUsed: (when) => `last used ${when}`,
      neverUsed: 'never used',
    },
  },
  welcome: {
    title: 'Welcome to Based',
    lead: 'Tell us where you are and what you like, and Based will find local artists and shows for you.',
    city: 'City',
    cityHint: 'Shows and artists near you come first.',
    genres: 'Favourite genres',
    genreList: ['Ambient', 'Brass', 'Classical', 'Electronic', 'Folk', 'Hip hop', 'House', 'Indie', 'Jazz', 'Metal', 'Pop', 'Punk', 'Rock', 'Soul', 'Techno'],
    tooManyGenres: 'Choose up to 10 genres.',
    save: 'Save and continue',
    skip: 'Skip for now',
  },
  profileEdit: {
    title: 'Profile',
    displayName: 'Display name',
    bio: 'Bio',
    city: 'City',
    save: 'Save profile',
    saved: 'Your profile was saved.',
  },
  notFound: { title: 'Not found' },
  chart: {
    empty: 'No plays in this period yet.',
    showTable: 'Show as table',
    tableOf: (title) => `: ${title}`,
    allZero: 'Every value is 0.',
    lineSummary: (title, points, first, last) => points === 1
      ? `${title}, line chart of 1 point, ${first}.`
      : `${title}, line chart of ${number.format(points)} points from ${first} to ${last}.`,
    seriesSummary: (name, low, high, at) => low === high ? `${name}: ${high}.` : `${name}: from ${low} to ${high}; highest: ${at}.`,
    barSummary: (title, items, more) => `${title}, bar chart: ${items}${more ? `, and ${number.format(more)} more` : ''}.`,
    label: 'Label',
    value: 'Value',
  },
  analytics: {
    title: 'Analytics',
    lead: 'How your music is doing: plays, listeners and fans over time. Dates are in UTC.',
    filters: 'Figures to show',
    interval: 'Interval',
    intervals: { day: 'Day', week: 'Week', month: 'Month' },
    period: 'Period',
    periods: { '7d': 'Last 7 days', '30d': 'Last 30 days', '12m': 'Last 12 months' },
    track: 'Track',
    allTracks: 'All tracks',
    download: 'Download CSV',
    downloaded: 'The CSV was downloaded.',
    updated: 'Figures updated.',
    asOf: (when) => `Figures as of ${when}.`,
    range: (from, to) => `${from} to ${to}`,
    forbidden: 'Only the artist can see these figures.',
    summary: 'Summary',
    figures: {
      plays: 'Plays',
      listeners: 'Listeners',
      completionRate: 'Completion rate',
      skipRate: 'Skip rate',
      likes: 'Likes',
      playlistAdds: 'Playlist adds',
      followersGained: 'New followers',
      rsvps: 'RSVPs',
      checkins: 'Check-ins',
    },
    followersLost: (n) => `${number.format(n)} unfollowed`,
    playsAndListeners: 'Plays and listeners',
    plays: 'Plays',
    listeners: 'Listeners',
    bySource: 'Plays by source',
    source: 'Source',
    sources: {
      recommendation: 'Recommendations', radio: 'Radio', search: 'Search', playlist: 'Playlists', artist: 'Artist page',
      release: 'Releases', library: 'Library', feed: 'Feed', jam: 'Jams', queue: 'Queue', subsonic: 'Subsonic apps',
      other: 'Other', unknown: 'Unknown',
    },
    byCity: 'Listeners by city',
    city: 'City',
    unknownCity: 'Unknown',
    periodHeadings: { day: 'Day', week: 'Week starting', month: 'Month' },
    topTracks: 'Top tracks',
    trackTitle: 'Track',
  },
  admin: {
    title: 'Admin',
    lead: 'The state of this server at a glance.',
    forbidden: 'Only administrators can see this page.',
    generated: (when) => `Figures as of ${when}.`,
    refresh: 'Refresh',
    refreshed: 'Figures refreshed.',
    none: 'None',
    users: {
      title: 'Users',
      total: 'All accounts', listeners: 'Listeners', artists: 'Artists', venues: 'Venues', admins: 'Admins', newThisWeek: 'New this week',
    },
    activity: { title: 'Activity', monthlyActives: 'Active in the last 30 days' },
    storage: { title: 'Storage', bytes: 'Space used', files: 'Files' },
    jobs: {
      title: 'Job queue',
      queued: 'Queued', running: 'Running', failed: 'Failed', failedLastDay: 'Failed in the last day', oldestQueued: 'Oldest waiting for',
      analyticsBacklog: 'Analytics facts waiting for the rollup',
    },
    moderation: {
      title: 'Moderation',
      openReports: 'Open reports', openAppeals: 'Open appeals', oldestOpenReport: 'Oldest open report waiting for',
      queue: 'Open the review queue',
    },
  },
};
