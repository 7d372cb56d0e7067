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
  library: {
    title: 'Library',
    likes: 'Liked tracks',
    likesEmpty: 'Tracks you like appear here.',
    history: 'Recently played',
    historyEmpty: 'Tracks you play appear here.',
  },
  messages: {
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
  notifications: {
    title: 'Notifications',
    empty: 'You have no notifications.',
    markAllRead: 'Mark all as read',
    unreadBadge: 'Unread',
    follow: (actor) => `${actor} followed you`,
    message: (actor) => `${actor} sent you a message`,
    release: (actor, title) => `${actor} released ${title || 'something new'}`,
    event_reminder: (title) => `${title || 'An event'} starts soon`,
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
};
