// A stand-in for the most used dispatch action's Node bundle: the same libraries
// (@actions/core, @actions/github), the same calls, bundled the same way (@vercel/ncc),
// so that starting it costs what starting that action costs. Used only by
// bench/side-by-side.sh; not part of the product.
const core = require('@actions/core')
const github = require('@actions/github')

async function run() {
  try {
    const [owner, repo] = core.getInput('repository').split('/')
    const octokit = github.getOctokit(core.getInput('token'))
    await octokit.rest.repos.createDispatchEvent({
      owner,
      repo,
      event_type: core.getInput('event-type'),
      client_payload: JSON.parse(core.getInput('client-payload') || '{}')
    })
  } catch (error) {
    core.setFailed(error.message)
  }
}

run()
