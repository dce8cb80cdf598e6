// Submits the single sign-on hand-off form at once; without JavaScript the person presses Continue.
document.getElementById('handoff')?.submit();
